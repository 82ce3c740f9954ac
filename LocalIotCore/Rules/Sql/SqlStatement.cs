using System.Globalization;
using System.Text.Json.Nodes;

namespace LocalIotCore.Rules.Sql;

/// <summary>One item of a SELECT list: <c>*</c>, or an expression with the key it gets in the result.</summary>
internal sealed class SqlSelectItem(SqlExpression? expression, string? name)
{
    /// <summary><c>null</c> for <c>*</c>.</summary>
    public SqlExpression? Expression { get; } = expression;

    public string? Name { get; } = name;
}

/// <summary>
/// A parsed AWS IoT SQL statement (version 2016-03-23, a subset): <c>SELECT</c> of <c>*</c>, payload paths
/// (<c>a.b.c</c>, <c>a[0]</c>), literals, <c>topic()</c>, <c>topic(n)</c>, <c>clientid()</c>, <c>timestamp()</c> and
/// arithmetic, each with an optional <c>AS</c> alias; <c>FROM 'topic filter'</c>; <c>WHERE</c> with <c>= &lt;&gt; != &lt;
/// &lt;= &gt; &gt;=</c>, <c>AND</c>, <c>OR</c>, <c>NOT</c> and parentheses. Evaluation follows AWS's typing: a path that does
/// not exist is Undefined, a comparison with Undefined is Undefined, and WHERE passes only on true;
/// Undefined values are left out of the result. Pure and thread-safe once parsed.
/// </summary>
public sealed class SqlStatement
{
    private readonly IReadOnlyList<SqlSelectItem> _select;
    private readonly SqlExpression? _where;

    private SqlStatement(string text, IReadOnlyList<SqlSelectItem> select, string topicFilter, SqlExpression? where)
    {
        Text = text;
        _select = select;
        TopicFilter = topicFilter;
        _where = where;
    }

    public string Text { get; }

    /// <summary>The FROM clause's MQTT topic filter (<c>+</c> one level, <c>#</c> the rest).</summary>
    public string TopicFilter { get; }

    /// <summary>Parses a statement, or throws <see cref="SqlParseException"/> with the offset and what was expected there.</summary>
    public static SqlStatement Parse(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return new Parser(sql).Statement();
    }

    /// <summary>Whether the SELECT list is a lone <c>*</c>: the result is the message itself (a non-JSON payload too).</summary>
    public bool SelectsWholePayload => _select.Count == 1 && _select[0].Expression is null;

    public bool MatchesTopic(string topic) => RuleEngine.Matches(TopicFilter, topic);

    /// <summary>
    /// The SELECT result for a message on a topic the FROM clause matches, or <c>null</c> when the topic
    /// does not match or WHERE does not hold. A lone <c>*</c> gives the payload itself (any JSON value).
    /// </summary>
    public JsonNode? Evaluate(SqlMessage message, out bool matched)
    {
        ArgumentNullException.ThrowIfNull(message);
        matched = false;
        if (!MatchesTopic(message.Topic))
        {
            return null;
        }

        if (_where is not null && _where.Evaluate(message).AsBoolean() != true)
        {
            return null;
        }

        matched = true;
        if (SelectsWholePayload)
        {
            return message.Payload?.DeepClone();
        }

        var result = new JsonObject();
        foreach (var item in _select)
        {
            if (item.Expression is null)
            {
                if (message.Payload is JsonObject payload)
                {
                    foreach (var (key, value) in payload)
                    {
                        result[key] = value?.DeepClone();
                    }
                }

                continue;
            }

            var evaluated = item.Expression.Evaluate(message);
            if (evaluated.Kind != SqlValueKind.Undefined)
            {
                result[item.Name!] = evaluated.ToJson();
            }
        }

        return result;
    }

    /// <summary>Evaluates one expression (as written inside <c>${...}</c> of a substitution template) against a message.</summary>
    public static string? EvaluateTemplateExpression(string expression, SqlMessage message)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(message);
        return ParseExpression(expression).Evaluate(message).ToTemplateText();
    }

    internal static SqlExpression ParseExpression(string expression) => new Parser(expression).StandaloneExpression();

    private sealed class Parser(string sql)
    {
        private readonly List<SqlToken> _tokens = SqlLexer.Tokenize(sql);
        private int _next;

        private SqlToken Current => _tokens[_next];

        public SqlStatement Statement()
        {
            Expect(SqlTokenKind.Keyword, "SELECT");
            var select = new List<SqlSelectItem>();
            do
            {
                select.Add(SelectItem(select.Count));
            }
            while (Accept(SqlTokenKind.Symbol, ","));

            Expect(SqlTokenKind.Keyword, "FROM");
            var fromToken = Current;
            if (fromToken.Kind != SqlTokenKind.String)
            {
                throw Error("a topic filter in quotes after FROM (FROM 'things/+/telemetry')");
            }

            _next++;
            CheckTopicFilter(fromToken);
            SqlExpression? where = null;
            if (Accept(SqlTokenKind.Keyword, "WHERE"))
            {
                where = Expression();
            }

            if (Current.Kind != SqlTokenKind.End)
            {
                throw Error(where is null ? "WHERE or the end of the statement" : "an operator (AND, OR, =, ...) or the end of the statement");
            }

            return new SqlStatement(sql, select, fromToken.Text, where);
        }

        public SqlExpression StandaloneExpression()
        {
            var expression = Expression();
            if (Current.Kind != SqlTokenKind.End)
            {
                throw Error("an operator or the end of the expression");
            }

            return expression;
        }

        private SqlSelectItem SelectItem(int index)
        {
            if (Accept(SqlTokenKind.Symbol, "*"))
            {
                return new SqlSelectItem(null, null);
            }

            var expression = Expression();
            string? name;
            if (Accept(SqlTokenKind.Keyword, "AS"))
            {
                if (Current.Kind != SqlTokenKind.Identifier)
                {
                    throw Error("a name after AS");
                }

                name = Current.Text;
                _next++;
            }
            else
            {
                name = expression.DefaultName ?? "_" + (index + 1).ToString(CultureInfo.InvariantCulture);
            }

            return new SqlSelectItem(expression, name);
        }

        private void CheckTopicFilter(SqlToken token)
        {
            var levels = token.Text.Split('/');
            for (var i = 0; i < levels.Length; i++)
            {
                var level = levels[i];
                if ((level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1)) ||
                    (level.Contains('+', StringComparison.Ordinal) && level != "+"))
                {
                    throw new SqlParseException(sql, token.Position, "a valid MQTT topic filter (+ for a whole level, # only as the last level)", "'" + token.Text + "'");
                }
            }

            if (token.Text.Length == 0)
            {
                throw new SqlParseException(sql, token.Position, "a topic filter (it is empty)", "''");
            }
        }

        private SqlExpression Expression() => Or();

        private SqlExpression Or()
        {
            var left = And();
            while (Current.Is(SqlTokenKind.Keyword, "OR"))
            {
                var position = Current.Position;
                _next++;
                left = new SqlBinary(position, "OR", left, And());
            }

            return left;
        }

        private SqlExpression And()
        {
            var left = Not();
            while (Current.Is(SqlTokenKind.Keyword, "AND"))
            {
                var position = Current.Position;
                _next++;
                left = new SqlBinary(position, "AND", left, Not());
            }

            return left;
        }

        private SqlExpression Not()
        {
            if (Current.Is(SqlTokenKind.Keyword, "NOT"))
            {
                var position = Current.Position;
                _next++;
                return new SqlNot(position, Not());
            }

            return Comparison();
        }

        private SqlExpression Comparison()
        {
            var left = Additive();
            if (Current.Kind == SqlTokenKind.Symbol && Current.Text is "=" or "<>" or "!=" or "<" or "<=" or ">" or ">=")
            {
                var op = Current;
                _next++;
                return new SqlBinary(op.Position, op.Text, left, Additive());
            }

            return left;
        }

        private SqlExpression Additive()
        {
            var left = Multiplicative();
            while (Current.Kind == SqlTokenKind.Symbol && Current.Text is "+" or "-")
            {
                var op = Current;
                _next++;
                left = new SqlBinary(op.Position, op.Text, left, Multiplicative());
            }

            return left;
        }

        private SqlExpression Multiplicative()
        {
            var left = Unary();
            while (Current.Kind == SqlTokenKind.Symbol && Current.Text is "*" or "/" or "%")
            {
                var op = Current;
                _next++;
                left = new SqlBinary(op.Position, op.Text, left, Unary());
            }

            return left;
        }

        private SqlExpression Unary()
        {
            if (Current.Is(SqlTokenKind.Symbol, "-"))
            {
                var position = Current.Position;
                _next++;
                return new SqlNegate(position, Unary());
            }

            return Primary();
        }

        private SqlExpression Primary()
        {
            var token = Current;
            switch (token.Kind)
            {
                case SqlTokenKind.Number:
                    _next++;
                    return new SqlLiteral(token.Position, SqlValue.Of(double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture)));
                case SqlTokenKind.String:
                    _next++;
                    return new SqlLiteral(token.Position, SqlValue.Of(token.Text));
                case SqlTokenKind.Keyword when token.Text is "TRUE" or "FALSE":
                    _next++;
                    return new SqlLiteral(token.Position, SqlValue.Of(token.Text == "TRUE"));
                case SqlTokenKind.Keyword when token.Text == "NULL":
                    _next++;
                    return new SqlLiteral(token.Position, SqlValue.Null);
                case SqlTokenKind.Symbol when token.Text == "(":
                    _next++;
                    var inner = Expression();
                    Expect(SqlTokenKind.Symbol, ")");
                    return inner;
                case SqlTokenKind.Identifier when _tokens[_next + 1].Is(SqlTokenKind.Symbol, "("):
                    return Function();
                case SqlTokenKind.Identifier:
                    return Path();
                default:
                    throw Error("a value (a name, a string, a number, true, false, a function or a parenthesis)");
            }
        }

        private SqlFunction Function()
        {
            var name = Current;
            _next += 2; // name and '('
            var kind = name.Text.ToUpperInvariant() switch
            {
                "TOPIC" => SqlFunctionKind.Topic,
                "CLIENTID" => SqlFunctionKind.ClientId,
                "TIMESTAMP" => SqlFunctionKind.Timestamp,
                _ => throw new SqlParseException(sql, name.Position, "a supported function (topic, clientid, timestamp)", "'" + name.Text + "'"),
            };
            SqlExpression? argument = null;
            if (kind == SqlFunctionKind.Topic && !Current.Is(SqlTokenKind.Symbol, ")"))
            {
                argument = Expression();
            }

            Expect(SqlTokenKind.Symbol, ")");
            return new SqlFunction(name.Position, kind, name.Text.ToLowerInvariant(), argument);
        }

        private SqlPath Path()
        {
            var start = Current.Position;
            var steps = new List<object> { Current.Text };
            _next++;
            while (true)
            {
                if (Accept(SqlTokenKind.Symbol, "."))
                {
                    if (Current.Kind != SqlTokenKind.Identifier)
                    {
                        throw Error("a name after '.'");
                    }

                    steps.Add(Current.Text);
                    _next++;
                }
                else if (Accept(SqlTokenKind.Symbol, "["))
                {
                    if (Current.Kind != SqlTokenKind.Number || !int.TryParse(Current.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    {
                        throw Error("an array index (a whole number) after '['");
                    }

                    steps.Add(index);
                    _next++;
                    Expect(SqlTokenKind.Symbol, "]");
                }
                else
                {
                    return new SqlPath(start, steps);
                }
            }
        }

        private bool Accept(SqlTokenKind kind, string text)
        {
            if (Current.Is(kind, text))
            {
                _next++;
                return true;
            }

            return false;
        }

        private void Expect(SqlTokenKind kind, string text)
        {
            if (!Accept(kind, text))
            {
                throw Error(kind == SqlTokenKind.Keyword ? text : "'" + text + "'");
            }
        }

        private SqlParseException Error(string expected) => new(sql, Current.Position, expected, Current.Describe());
    }
}
