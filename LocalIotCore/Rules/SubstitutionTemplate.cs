using System.Text;
using LocalIotCore.Rules.Sql;

namespace LocalIotCore.Rules;

/// <summary>
/// An action field with AWS's substitution templates: <c>${expression}</c> is any SQL expression, evaluated
/// against the original message (not the SELECT result, so no AS aliases), and <c>$$</c> is a literal
/// <c>$</c> (how a republish action names a reserved topic: <c>$$aws/things/${topic(3)}/shadow/update</c>).
/// Expressions are parsed once, when the rule is loaded.
/// </summary>
public sealed class SubstitutionTemplate
{
    private readonly string[] _literals;
    private readonly SqlExpression?[] _expressions;

    private SubstitutionTemplate(string text, string[] literals, SqlExpression?[] expressions)
    {
        Text = text;
        _literals = literals;
        _expressions = expressions;
    }

    public string Text { get; }

    /// <summary>Parses a template; a bad expression throws <see cref="SqlParseException"/> with its offset in the template.</summary>
    public static SubstitutionTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var literals = new List<string>();
        var expressions = new List<SqlExpression?>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '$')
            {
                literal.Append('$');
                i++;
            }
            else if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var end = text.IndexOf('}', i + 2);
                if (end < 0)
                {
                    throw new SqlParseException(text, i, "a } closing the ${ that starts here", "the end of the template");
                }

                var expression = text[(i + 2)..end];
                SqlExpression parsed;
                try
                {
                    parsed = SqlStatement.ParseExpression(expression);
                }
                catch (SqlParseException ex)
                {
                    throw new SqlParseException(text, i + 2 + ex.Position, ex.Expected, "'" + expression + "' inside ${...}");
                }

                literals.Add(literal.ToString());
                literal.Clear();
                expressions.Add(parsed);
                i = end;
            }
            else
            {
                literal.Append(text[i]);
            }
        }

        literals.Add(literal.ToString());
        expressions.Add(null);
        return new SubstitutionTemplate(text, [.. literals], [.. expressions]);
    }

    /// <summary>The text for one message; an expression without a value (Undefined) gives the empty string.</summary>
    public string Substitute(SqlMessage message)
    {
        var result = new StringBuilder();
        for (var i = 0; i < _literals.Length; i++)
        {
            result.Append(_literals[i]);
            if (_expressions[i] is SqlExpression expression)
            {
                result.Append(expression.Evaluate(message).ToTemplateText());
            }
        }

        return result.ToString();
    }
}
