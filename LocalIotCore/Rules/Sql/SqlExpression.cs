using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LocalIotCore.Rules.Sql;

/// <summary>What one rule evaluation sees: the message's payload (JSON, or <c>null</c> if it is not JSON), topic, client id and time.</summary>
public sealed class SqlMessage(JsonNode? payload, string topic, string? clientId, long timestampMilliseconds)
{
    public JsonNode? Payload { get; } = payload;

    public bool PayloadIsJson { get; init; } = true;

    public string Topic { get; } = topic;

    public string? ClientId { get; } = clientId;

    public long TimestampMilliseconds { get; } = timestampMilliseconds;
}

internal enum SqlValueKind
{
    Undefined,
    Null,
    Boolean,
    Number,
    String,
    Json,
}

/// <summary>A value during evaluation: AWS IoT SQL's types, with Undefined for what does not exist.</summary>
internal readonly struct SqlValue
{
    private SqlValue(SqlValueKind kind, bool boolean, double number, string? text, JsonNode? json)
    {
        Kind = kind;
        Boolean = boolean;
        Number = number;
        Text = text;
        Json = json;
    }

    public static SqlValue Undefined => default;

    public static SqlValue Null => new(SqlValueKind.Null, false, 0, null, null);

    public SqlValueKind Kind { get; }

    public bool Boolean { get; }

    public double Number { get; }

    public string? Text { get; }

    /// <summary>An object or an array (not cloned: clone before putting it in a result).</summary>
    public JsonNode? Json { get; }

    public static SqlValue Of(bool value) => new(SqlValueKind.Boolean, value, 0, null, null);

    public static SqlValue Of(double value) => new(SqlValueKind.Number, false, value, null, null);

    public static SqlValue Of(string value) => new(SqlValueKind.String, false, 0, value, null);

    public static SqlValue From(JsonNode? node)
    {
        if (node is null)
        {
            return Null;
        }

        if (node is JsonValue value)
        {
            return value.GetValueKind() switch
            {
                JsonValueKind.True => Of(true),
                JsonValueKind.False => Of(false),
                JsonValueKind.String => Of(value.GetValue<string>()),
                JsonValueKind.Number => Of(value.GetValue<double>()),
                _ => Null,
            };
        }

        return new SqlValue(SqlValueKind.Json, false, 0, null, node);
    }

    /// <summary>The value as a boolean where AWS accepts one: a boolean or the string "true"/"false" in any case.</summary>
    public bool? AsBoolean() => Kind switch
    {
        SqlValueKind.Boolean => Boolean,
        SqlValueKind.String when string.Equals(Text, "true", StringComparison.OrdinalIgnoreCase) => true,
        SqlValueKind.String when string.Equals(Text, "false", StringComparison.OrdinalIgnoreCase) => false,
        _ => null,
    };

    /// <summary>The value as a number where AWS converts: a number, or a string that holds one.</summary>
    public double? AsNumber() => Kind switch
    {
        SqlValueKind.Number => Number,
        SqlValueKind.String when double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    public JsonNode? ToJson() => Kind switch
    {
        SqlValueKind.Boolean => JsonValue.Create(Boolean),
        SqlValueKind.Number when Number == Math.Floor(Number) && Math.Abs(Number) < 9e15 => JsonValue.Create((long)Number),
        SqlValueKind.Number => JsonValue.Create(Number),
        SqlValueKind.String => JsonValue.Create(Text),
        SqlValueKind.Json => Json!.DeepClone(),
        _ => null,
    };

    /// <summary>The value as text for a substitution template (<c>${...}</c>): strings unquoted, the rest as JSON.</summary>
    public string? ToTemplateText() => Kind switch
    {
        SqlValueKind.Undefined => null,
        SqlValueKind.String => Text,
        SqlValueKind.Null => "null",
        _ => ToJson()!.ToJsonString(),
    };
}

/// <summary>A node of a parsed SELECT or WHERE expression.</summary>
internal abstract class SqlExpression(int position)
{
    /// <summary>Offset in the statement, for messages.</summary>
    public int Position { get; } = position;

    /// <summary>The result key when SELECT gives no alias: the last name of a path, a function's name.</summary>
    public virtual string? DefaultName => null;

    public abstract SqlValue Evaluate(SqlMessage message);
}

internal sealed class SqlLiteral(int position, SqlValue value) : SqlExpression(position)
{
    public override SqlValue Evaluate(SqlMessage message) => value;
}

/// <summary>A path into the payload: <c>current.state.reported.connected</c>, <c>items[0].id</c>.</summary>
internal sealed class SqlPath(int position, IReadOnlyList<object> steps) : SqlExpression(position)
{
    public override string? DefaultName
    {
        get
        {
            for (var i = steps.Count - 1; i >= 0; i--)
            {
                if (steps[i] is string name)
                {
                    return name;
                }
            }

            return null;
        }
    }

    public override SqlValue Evaluate(SqlMessage message)
    {
        var node = message.Payload;
        if (!message.PayloadIsJson)
        {
            return SqlValue.Undefined;
        }

        foreach (var step in steps)
        {
            if (step is string key)
            {
                if (node is not JsonObject obj || !obj.TryGetPropertyValue(key, out node))
                {
                    return SqlValue.Undefined;
                }
            }
            else
            {
                var index = (int)step;
                if (node is not JsonArray array || index >= array.Count)
                {
                    return SqlValue.Undefined;
                }

                node = array[index];
            }
        }

        return SqlValue.From(node);
    }
}

internal enum SqlFunctionKind
{
    Topic,
    ClientId,
    Timestamp,
}

internal sealed class SqlFunction(int position, SqlFunctionKind kind, string name, SqlExpression? argument) : SqlExpression(position)
{
    public override string? DefaultName => name;

    public override SqlValue Evaluate(SqlMessage message)
    {
        switch (kind)
        {
            case SqlFunctionKind.Topic:
                if (argument is null)
                {
                    return SqlValue.Of(message.Topic);
                }

                // topic(n): the n-th level (from 1) of the topic, Undefined beyond its end.
                var n = argument.Evaluate(message).AsNumber();
                var levels = message.Topic.Split('/');
                return n is double level && level >= 1 && level <= levels.Length && level == Math.Floor(level) ? SqlValue.Of(levels[(int)level - 1]) : SqlValue.Undefined;
            case SqlFunctionKind.ClientId:
                return message.ClientId is null ? SqlValue.Of("n/a") : SqlValue.Of(message.ClientId);
            default:
                return SqlValue.Of((double)message.TimestampMilliseconds);
        }
    }
}

internal sealed class SqlNot(int position, SqlExpression operand) : SqlExpression(position)
{
    public override SqlValue Evaluate(SqlMessage message) =>
        operand.Evaluate(message).AsBoolean() is bool value ? SqlValue.Of(!value) : SqlValue.Undefined;
}

internal sealed class SqlNegate(int position, SqlExpression operand) : SqlExpression(position)
{
    public override SqlValue Evaluate(SqlMessage message) =>
        operand.Evaluate(message).AsNumber() is double value ? SqlValue.Of(-value) : SqlValue.Undefined;
}

/// <summary>A binary operator, with AWS IoT SQL's typing: non-matching types give Undefined, except for <c>=</c> and <c>&lt;&gt;</c>.</summary>
internal sealed class SqlBinary(int position, string op, SqlExpression left, SqlExpression right) : SqlExpression(position)
{
    public override SqlValue Evaluate(SqlMessage message)
    {
        var a = left.Evaluate(message);
        var b = right.Evaluate(message);
        switch (op)
        {
            case "AND":
            case "OR":
                if (a.AsBoolean() is not bool x || b.AsBoolean() is not bool y)
                {
                    return SqlValue.Undefined;
                }

                return SqlValue.Of(op == "AND" ? x && y : x || y);
            case "=":
            case "<>":
            case "!=":
                if (a.Kind == SqlValueKind.Undefined || b.Kind == SqlValueKind.Undefined)
                {
                    return SqlValue.Undefined;
                }

                var equal = Equal(a, b);
                return SqlValue.Of(op == "=" ? equal : !equal);
            case "<":
            case "<=":
            case ">":
            case ">=":
                return Compare(a, b) is int order
                    ? SqlValue.Of(op switch { "<" => order < 0, "<=" => order <= 0, ">" => order > 0, _ => order >= 0 })
                    : SqlValue.Undefined;
            default:
                if (a.AsNumber() is not double m || b.AsNumber() is not double n)
                {
                    return SqlValue.Undefined;
                }

                return op switch
                {
                    "+" => SqlValue.Of(m + n),
                    "-" => SqlValue.Of(m - n),
                    "*" => SqlValue.Of(m * n),
                    _ when n == 0 => SqlValue.Undefined,
                    "/" => SqlValue.Of(m / n),
                    _ => SqlValue.Of(m % n),
                };
        }
    }

    private static bool Equal(SqlValue a, SqlValue b)
    {
        if (a.Kind != b.Kind)
        {
            return false;
        }

        return a.Kind switch
        {
            SqlValueKind.Null => true,
            SqlValueKind.Boolean => a.Boolean == b.Boolean,
            SqlValueKind.Number => a.Number == b.Number,
            SqlValueKind.String => string.Equals(a.Text, b.Text, StringComparison.Ordinal),
            _ => JsonNode.DeepEquals(a.Json, b.Json),
        };
    }

    // Numbers compare as numbers (strings holding numbers too), strings lexically; anything else is Undefined.
    private static int? Compare(SqlValue a, SqlValue b)
    {
        if (a.Kind == SqlValueKind.String && b.Kind == SqlValueKind.String && (a.AsNumber() is null || b.AsNumber() is null))
        {
            return string.CompareOrdinal(a.Text, b.Text);
        }

        return a.AsNumber() is double x && b.AsNumber() is double y ? x.CompareTo(y) : null;
    }
}
