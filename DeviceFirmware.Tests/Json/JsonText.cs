using System.Text;

namespace DeviceFirmware.Tests.Json;

/// <summary>
/// Writes JSON text for the corpus the way many different writers would: random whitespace, each character
/// of a string either raw (UTF-8) or escaped in one of its legal forms (\n or \u000a or \u000A, ...).
/// </summary>
internal sealed class JsonText
{
    private readonly Random _random;
    private readonly List<byte> _bytes = new List<byte>();

    public JsonText(Random random)
    {
        _random = random;
    }

    public byte[] ToArray() => _bytes.ToArray();

    public void Raw(string ascii) => _bytes.AddRange(Encoding.ASCII.GetBytes(ascii));

    /// <summary>Nothing most of the time, else one or two of the four JSON whitespace bytes.</summary>
    public void Space()
    {
        int n = _random.Next(8) < 6 ? 0 : _random.Next(1, 3);
        for (int i = 0; i < n; i++)
        {
            _bytes.Add((byte)" \t\r\n"[_random.Next(4)]);
        }
    }

    public void String(string value)
    {
        _bytes.Add((byte)'"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                if (_random.Next(3) == 0)
                {
                    Unicode(c);
                    Unicode(value[i + 1]);
                }
                else
                {
                    _bytes.AddRange(Encoding.UTF8.GetBytes(value.Substring(i, 2)));
                }

                i++;
                continue;
            }

            Char(c);
        }

        _bytes.Add((byte)'"');
    }

    private void Char(char c)
    {
        string? shortEscape = c switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\b' => "\\b",
            '\f' => "\\f",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '/' => _random.Next(2) == 0 ? "\\/" : "/",
            _ => null,
        };
        if (shortEscape != null && (c < 0x20 || c == '"' || c == '\\' ? _random.Next(4) != 0 : true))
        {
            Raw(shortEscape);
        }
        else if (c < 0x20 || c == '"' || c == '\\' || _random.Next(10) == 0)
        {
            Unicode(c);
        }
        else
        {
            _bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
    }

    private void Unicode(char c)
    {
        string hex = ((int)c).ToString(_random.Next(2) == 0 ? "X4" : "x4", System.Globalization.CultureInfo.InvariantCulture);
        Raw("\\u" + hex);
    }
}
