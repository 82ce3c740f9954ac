using System.Globalization;
using System.Text;

namespace LocalIotCore.Rules.Sql;

/// <summary>
/// A SQL statement that does not parse: <see cref="Position"/> is the character offset (0-based) in the
/// statement where the parser stopped, <see cref="Expected"/> what it wanted there.
/// </summary>
public sealed class SqlParseException : FormatException
{
    public SqlParseException()
    {
    }

    public SqlParseException(string message)
        : base(message)
    {
    }

    public SqlParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SqlParseException(string sql, int position, string expected, string found)
        : base(Describe(sql, position, expected, found))
    {
        Position = position;
        Expected = expected;
    }

    public int Position { get; }

    public string Expected { get; } = "";

    private static string Describe(string sql, int position, string expected, string found)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < position && i < sql.Length; i++)
        {
            if (sql[i] == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return "Expected " + expected + " at offset " + position.ToString(CultureInfo.InvariantCulture) + " (line " + line.ToString(CultureInfo.InvariantCulture) + ", column " + column.ToString(CultureInfo.InvariantCulture) + "), found " + found + ".";
    }
}

internal enum SqlTokenKind
{
    End,
    Identifier,
    Keyword,
    String,
    Number,
    Symbol,
}

internal sealed class SqlToken(SqlTokenKind kind, string text, int position)
{
    public SqlTokenKind Kind { get; } = kind;

    /// <summary>Identifiers as written; keywords upper-cased; strings unquoted; symbols as written.</summary>
    public string Text { get; } = text;

    public int Position { get; } = position;

    public bool Is(SqlTokenKind kind, string text) => Kind == kind && Text == text;

    public string Describe() => Kind switch
    {
        SqlTokenKind.End => "the end of the statement",
        SqlTokenKind.String => "the string '" + Text + "'",
        SqlTokenKind.Number => "the number " + Text,
        _ => "'" + Text + "'",
    };
}

/// <summary>Splits an AWS IoT SQL statement into tokens, each with its offset.</summary>
internal static class SqlLexer
{
    private static readonly string[] Keywords = ["SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "TRUE", "FALSE", "NULL"];

    public static List<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (true)
        {
            while (i < sql.Length && char.IsWhiteSpace(sql[i]))
            {
                i++;
            }

            if (i >= sql.Length)
            {
                tokens.Add(new SqlToken(SqlTokenKind.End, "", sql.Length));
                return tokens;
            }

            var start = i;
            var c = sql[i];
            if (char.IsLetter(c) || c == '_')
            {
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_'))
                {
                    i++;
                }

                var word = sql[start..i];
                var upper = word.ToUpperInvariant();
                tokens.Add(Array.IndexOf(Keywords, upper) >= 0 ? new SqlToken(SqlTokenKind.Keyword, upper, start) : new SqlToken(SqlTokenKind.Identifier, word, start));
            }
            else if (char.IsAsciiDigit(c))
            {
                while (i < sql.Length && char.IsAsciiDigit(sql[i]))
                {
                    i++;
                }

                if (i + 1 < sql.Length && sql[i] == '.' && char.IsAsciiDigit(sql[i + 1]))
                {
                    i++;
                    while (i < sql.Length && char.IsAsciiDigit(sql[i]))
                    {
                        i++;
                    }
                }

                tokens.Add(new SqlToken(SqlTokenKind.Number, sql[start..i], start));
            }
            else if (c is '\'' or '"')
            {
                tokens.Add(new SqlToken(SqlTokenKind.String, ReadString(sql, ref i), start));
            }
            else if (c == '`')
            {
                // A key that is not a plain identifier (a dash, a leading digit): `my-key`.
                var end = sql.IndexOf('`', i + 1);
                if (end < 0)
                {
                    throw new SqlParseException(sql, start, "a closing ` after the quoted key", "the end of the statement");
                }

                tokens.Add(new SqlToken(SqlTokenKind.Identifier, sql[(i + 1)..end], start));
                i = end + 1;
            }
            else
            {
                var two = i + 1 < sql.Length ? sql.Substring(i, 2) : "";
                if (two is "<>" or "!=" or "<=" or ">=")
                {
                    tokens.Add(new SqlToken(SqlTokenKind.Symbol, two, start));
                    i += 2;
                }
                else if ("*,.()[]=<>+-/%".Contains(c, StringComparison.Ordinal))
                {
                    tokens.Add(new SqlToken(SqlTokenKind.Symbol, c.ToString(), start));
                    i++;
                }
                else
                {
                    throw new SqlParseException(sql, start, "a keyword, a name, a literal or an operator", "'" + c + "'");
                }
            }
        }
    }

    private static string ReadString(string sql, ref int i)
    {
        var quote = sql[i];
        var start = i;
        var text = new StringBuilder();
        i++;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '\\' && i + 1 < sql.Length)
            {
                text.Append(sql[i + 1]);
                i += 2;
            }
            else if (c == quote)
            {
                i++;
                return text.ToString();
            }
            else
            {
                text.Append(c);
                i++;
            }
        }

        throw new SqlParseException(sql, start, "a closing " + quote + " for the string that starts here", "the end of the statement");
    }
}
