using System.Globalization;
using System.Text;

namespace DeviceFirmware.Tests.Json;

/// <summary>
/// Generated and mutated JSON documents for the differential test, from a fixed seed: valid random trees
/// (random whitespace, every escape form, raw UTF-8, all number shapes, occasional duplicate names), then
/// mutations of them (every prefix of some, byte flips, insertions and deletions), bad escapes, invalid and
/// valid UTF-8 sequences, nesting around the depth limit, huge and tiny numbers and long strings.
/// </summary>
internal sealed class JsonCorpus
{
    // Bytes that change the meaning of a document when they replace another.
    private static readonly byte[] Interesting = Encoding.ASCII.GetBytes("\"\\,:[]{}0123456789.eE+-tfnu /abz \t\r\n")
        .Concat(new byte[] { 0x00, 0x01, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC3, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x0B, 0x0C })
        .ToArray();

    private static readonly string[] Escapes =
    {
        "\\q", "\\x41", "\\u", "\\u1", "\\u12", "\\u123", "\\u12G4", "\\uD800", "\\uDBFF", "\\uDC00", "\\uDFFF",
        "\\uD800\\u0041", "\\uD800\\uD800", "\\uD800\\n", "\\uD800x", "\\uDC00\\uD800", "\\uD83D\\uDE00", "\\U0041",
        "\\\\u0041", "\\0", "\\'", "\\a", "\\e", "\\ ", "\\\t", "\\uD83D\\uDE0", "\\uD83D\\", "\\uD83D\\u", "\\/", "\\uFFFF",
        "\\u0000", "\\uFEFF", "\\uDBFF\\uDFFF", "\\uD800\\uDC00",
    };

    private static readonly byte[][] Utf8Sequences =
    {
        new byte[] { 0x80 }, new byte[] { 0xBF }, new byte[] { 0xC0, 0xAF }, new byte[] { 0xC1, 0xBF },
        new byte[] { 0xE0, 0x80, 0xAF }, new byte[] { 0xE0, 0x9F, 0xBF }, new byte[] { 0xF0, 0x80, 0x80, 0xAF },
        new byte[] { 0xF0, 0x8F, 0xBF, 0xBF }, new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xED, 0xBF, 0xBF },
        new byte[] { 0xF4, 0x90, 0x80, 0x80 }, new byte[] { 0xF5, 0x80, 0x80, 0x80 }, new byte[] { 0xFE }, new byte[] { 0xFF },
        new byte[] { 0xE2, 0x82 }, new byte[] { 0xF0, 0x9F, 0x98 }, new byte[] { 0xC3 }, new byte[] { 0xC3, 0x41 },
        new byte[] { 0xE2, 0x41, 0xAC }, new byte[] { 0xEF, 0xBB, 0xBF },
        // Valid ones, as controls: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF.
        new byte[] { 0xC2, 0x80 }, new byte[] { 0xDF, 0xBF }, new byte[] { 0xE0, 0xA0, 0x80 }, new byte[] { 0xED, 0x9F, 0xBF },
        new byte[] { 0xEE, 0x80, 0x80 }, new byte[] { 0xEF, 0xBF, 0xBF }, new byte[] { 0xF0, 0x90, 0x80, 0x80 },
        new byte[] { 0xF4, 0x8F, 0xBF, 0xBF },
    };

    private static readonly string[] SpecialNumbers =
    {
        "0", "-0", "0.0", "-0.0", "0e0", "0E+400", "-0e-400", "1", "-1", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
        "99999999999999999999", "1e308", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
        "-1.7976931348623159e308", "1e309", "1e400", "-1e400", "1E+99999", "1e-400", "5e-324", "4.9406564584124654e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324", "2.2250738585072011e-308", "2.2250738585072012e-308",
        "2.2250738585072014e-308", "9007199254740993", "9007199254740993.0", "9007199254740993.000000000000000000001",
        "9007199254740992.9999999999999999999", "0.1", "0.30000000000000004", "123456789012345678901234567890",
        "1.00000000000000011102230246251565404236316680908203125", "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126", "4503599627370496.5", "4503599627370497.5",
        "8.98846567431158e307", "1E-7", "1e23", "8.589973e9", "7.2057594037927933e16", "1e22", "1e-22", "123e30",
        "123456789012345e10", "0.000001", "1.5e-5", "6.02214076e23", "-2.5E-0003", "1e01", "1e+01", "1.e1", "01", "-", "+1",
        ".1", "1.", "1e", "1e+", "--1", "0x1F", "1_000", "NaN", "Infinity", "-Infinity", "1 2", "٣",
    };

    private readonly Random _random;
    private readonly int _maxDepth;

    private JsonCorpus(int seed, int maxDepth)
    {
        _random = new Random(seed);
        _maxDepth = maxDepth;
    }

    public List<byte[]> Documents { get; } = new List<byte[]>();

    /// <summary>How many documents each source contributed (printed by the test).</summary>
    public SortedDictionary<string, int> Sources { get; } = new SortedDictionary<string, int>(StringComparer.Ordinal);

    public static JsonCorpus Build(int seed, int maxDepth)
    {
        var corpus = new JsonCorpus(seed, maxDepth);
        corpus.BuildAll();
        return corpus;
    }

    private void BuildAll()
    {
        var valid = new List<byte[]>();
        for (int i = 0; i < 8000; i++)
        {
            valid.Add(RandomDocument(duplicates: i % 10 == 0));
        }

        Add("valid random trees (10% with possible duplicate names)", valid);

        var prefixes = new List<byte[]>();
        foreach (byte[] doc in valid.Where(d => d.Length <= 200).Take(60))
        {
            for (int n = 0; n < doc.Length; n++)
            {
                prefixes.Add(doc.AsSpan(0, n).ToArray());
            }
        }

        Add("every prefix of 60 documents", prefixes);

        Add("one byte replaced", Mutate(8000, doc =>
        {
            int at = _random.Next(doc.Length);
            doc[at] = _random.Next(4) == 0 ? (byte)_random.Next(256) : Interesting[_random.Next(Interesting.Length)];
            return doc;
        }, valid));

        Add("one byte inserted or deleted", Mutate(3000, doc =>
        {
            int at = _random.Next(doc.Length);
            var list = doc.ToList();
            if (_random.Next(2) == 0)
            {
                list.RemoveAt(at);
            }
            else
            {
                list.Insert(at, Interesting[_random.Next(Interesting.Length)]);
            }

            return list.ToArray();
        }, valid));

        Add("structural byte deleted or doubled, comma before a closer", Mutate(2000, doc =>
        {
            var structural = Enumerable.Range(0, doc.Length).Where(k => "[]{},:".IndexOf((char)doc[k]) >= 0).ToList();
            if (structural.Count == 0)
            {
                return doc;
            }

            int at = structural[_random.Next(structural.Count)];
            var list = doc.ToList();
            switch (_random.Next(3))
            {
                case 0:
                    list.RemoveAt(at);
                    break;
                case 1:
                    list.Insert(at, doc[at]);
                    break;
                default:
                    int closer = structural.FirstOrDefault(k => k >= at && (doc[k] == (byte)']' || doc[k] == (byte)'}'), -1);
                    list.Insert(closer < 0 ? at : closer, (byte)',');
                    break;
            }

            return list.ToArray();
        }, valid));

        Add("bad and good escapes", Repeat(2500, () =>
        {
            string escape = Escapes[_random.Next(Escapes.Length)];
            string around = _random.Next(3) switch
            {
                0 => "[\"a" + escape + "b\"]",
                1 => "{\"" + escape + "\":1}",
                _ => "\"" + escape + (_random.Next(4) == 0 ? "" : "\""),
            };
            return Encoding.ASCII.GetBytes(around);
        }));

        Add("UTF-8 sequences in and out of strings", Repeat(2500, () =>
        {
            byte[] sequence = Utf8Sequences[_random.Next(Utf8Sequences.Length)];
            string[] around = _random.Next(3) switch
            {
                0 => new[] { "[\"x", "y\"]" },
                1 => new[] { "{\"", "\":0}" },
                _ => new[] { "[", "]" },
            };
            byte[] prefix = Encoding.ASCII.GetBytes(around[0]);
            byte[] suffix = Encoding.ASCII.GetBytes(around[1]);
            return prefix.Concat(sequence).Concat(suffix).ToArray();
        }));

        Add("UTF-8 sequences inserted anywhere", Mutate(1500, doc =>
        {
            var list = doc.ToList();
            list.InsertRange(_random.Next(doc.Length + 1), Utf8Sequences[_random.Next(Utf8Sequences.Length)]);
            return list.ToArray();
        }, valid));

        Add("nesting around the depth limit", Nesting());

        Add("huge, tiny and malformed numbers", Repeat(3000, () =>
        {
            string number = _random.Next(3) == 0 ? SpecialNumbers[_random.Next(SpecialNumbers.Length)] : RandomNumber();
            return Encoding.ASCII.GetBytes(_random.Next(2) == 0 ? number : "[" + number + "," + RandomNumber() + "]");
        }));

        Add("long digit strings", Repeat(60, () => Encoding.ASCII.GetBytes(LongNumber())));

        Add("long strings", Repeat(40, () =>
        {
            var text = new JsonText(_random);
            text.String(RandomString(_random.Next(5000, 60000)));
            return text.ToArray();
        }));
    }

    private void Add(string source, List<byte[]> documents)
    {
        Sources[source] = documents.Count;
        Documents.AddRange(documents);
    }

    private List<byte[]> Mutate(int count, Func<byte[], byte[]> mutation, List<byte[]> valid)
    {
        var result = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            byte[] doc = valid[_random.Next(valid.Count)];
            result.Add(doc.Length == 0 ? doc : mutation((byte[])doc.Clone()));
        }

        return result;
    }

    private static List<byte[]> Repeat(int count, Func<byte[]> make) => Enumerable.Range(0, count).Select(_ => make()).ToList();

    private List<byte[]> Nesting()
    {
        var result = new List<byte[]>();
        foreach (int depth in new[] { 1, _maxDepth - 2, _maxDepth - 1, _maxDepth, _maxDepth + 1, _maxDepth + 2, 1000 })
        {
            foreach (string[] shape in new[]
            {
                new[] { "[", "]" }, new[] { "{\"a\":", "}" }, new[] { "[{\"k\":", "}]" }, new[] { "[1,", "]" }, new[] { "{\"a\":[", "]}" },
            })
            {
                foreach (string inner in new[] { "0", "[]", "{}", "\"s\"", "" })
                {
                    var sb = new StringBuilder();
                    int levels = shape[0].Count(c => c == '[' || c == '{');
                    int repeats = Math.Max(1, depth / levels);
                    for (int i = 0; i < repeats; i++)
                    {
                        sb.Append(shape[0]);
                    }

                    sb.Append(inner.Length == 0 && shape[0].EndsWith(':') ? "null" : inner);
                    for (int i = 0; i < repeats; i++)
                    {
                        sb.Append(shape[1]);
                    }

                    result.Add(Encoding.ASCII.GetBytes(sb.ToString()));
                }
            }
        }

        return result;
    }

    private byte[] RandomDocument(bool duplicates)
    {
        var text = new JsonText(_random);
        text.Space();
        Value(text, 0, _random.Next(7), duplicates);
        text.Space();
        return text.ToArray();
    }

    private void Value(JsonText text, int depth, int treeDepth, bool duplicates)
    {
        int container = depth < treeDepth ? _random.Next(100) : 100;
        int pick = container < 35 ? 0 : container < 60 ? 1 : 2 + _random.Next(8);
        switch (pick)
        {
            case 0:
                var names = new List<string>();
                text.Raw("{");
                int members = _random.Next(6);
                for (int i = 0; i < members; i++)
                {
                    if (i > 0)
                    {
                        text.Raw(",");
                    }

                    text.Space();
                    string name = duplicates && names.Count > 0 && _random.Next(4) == 0
                        ? names[_random.Next(names.Count)]
                        : UniqueName(names);
                    names.Add(name);
                    text.String(name);
                    text.Space();
                    text.Raw(":");
                    text.Space();
                    Value(text, depth + 1, treeDepth, duplicates);
                    text.Space();
                }

                text.Raw("}");
                break;
            case 1:
                text.Raw("[");
                int items = _random.Next(6);
                for (int i = 0; i < items; i++)
                {
                    if (i > 0)
                    {
                        text.Raw(",");
                    }

                    text.Space();
                    Value(text, depth + 1, treeDepth, duplicates);
                    text.Space();
                }

                text.Raw("]");
                break;
            case 2:
            case 3:
                text.String(RandomString(_random.Next(12)));
                break;
            case 4:
            case 5:
            case 6:
                text.Raw(RandomNumber());
                break;
            case 7:
                text.Raw("true");
                break;
            case 8:
                text.Raw("false");
                break;
            default:
                text.Raw("null");
                break;
        }
    }

    private string UniqueName(List<string> taken)
    {
        while (true)
        {
            string name = RandomString(_random.Next(6));
            if (!taken.Contains(name, StringComparer.Ordinal))
            {
                return name;
            }
        }
    }

    /// <summary>A random .NET string: ASCII, controls, quote/backslash/slash, 2- and 3-byte UTF-8, pairs.</summary>
    private string RandomString(int length)
    {
        var sb = new StringBuilder(length + 2);
        while (sb.Length < length)
        {
            int pick = _random.Next(100);
            if (pick < 55)
            {
                sb.Append((char)_random.Next(0x20, 0x7F));
            }
            else if (pick < 62)
            {
                sb.Append((char)_random.Next(0, 0x20));
            }
            else if (pick < 72)
            {
                sb.Append("\"\\/"[_random.Next(3)]);
            }
            else if (pick < 82)
            {
                sb.Append((char)_random.Next(0x80, 0x800));
            }
            else if (pick < 93)
            {
                int c = _random.Next(0x800, 0x10000 - 0x800);
                sb.Append((char)(c >= 0xD800 ? c + 0x800 : c)); // skip the surrogate range
            }
            else
            {
                sb.Append(char.ConvertFromUtf32(_random.Next(0x10000, 0x110000)));
            }
        }

        return sb.ToString();
    }

    private string RandomNumber()
    {
        switch (_random.Next(6))
        {
            case 0:
                return _random.Next(-1000, 1001).ToString(CultureInfo.InvariantCulture);
            case 1:
                return _random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture);
            case 2:
                double d = BitConverter.Int64BitsToDouble(_random.NextInt64());
                if (!double.IsFinite(d))
                {
                    d = 1.5;
                }

                string[] formats = { "R", "E16", "G17", "E3", "G5" };
                return d.ToString(formats[_random.Next(formats.Length)], CultureInfo.InvariantCulture);
            default:
                var sb = new StringBuilder();
                if (_random.Next(3) == 0)
                {
                    sb.Append('-');
                }

                sb.Append(_random.Next(4) == 0 ? "0" : Digits(_random, _random.Next(1, 25), leadingNonZero: true));
                if (_random.Next(2) == 0)
                {
                    sb.Append('.').Append(Digits(_random, _random.Next(1, 30), leadingNonZero: false));
                }

                if (_random.Next(2) == 0)
                {
                    sb.Append(_random.Next(2) == 0 ? 'e' : 'E');
                    int sign = _random.Next(3);
                    sb.Append(sign == 0 ? "" : sign == 1 ? "+" : "-");
                    sb.Append(_random.Next(_random.Next(2) == 0 ? 30 : 400).ToString(CultureInfo.InvariantCulture));
                }

                return sb.ToString();
        }
    }

    private string LongNumber()
    {
        int digits = _random.Next(700, 3000);
        string body = _random.Next(2) == 0
            ? Digits(_random, digits, leadingNonZero: true)
            : "0." + new string('0', _random.Next(0, 400)) + Digits(_random, digits, leadingNonZero: true);
        string exponent = _random.Next(2) == 0 ? "" : "e" + _random.Next(-1200, 400).ToString(CultureInfo.InvariantCulture);
        return (_random.Next(2) == 0 ? "-" : "") + body + exponent;
    }

    /// <summary><paramref name="count"/> random digits, the first one not zero when <paramref name="leadingNonZero"/>.</summary>
    internal static string Digits(Random random, int count, bool leadingNonZero)
    {
        var chars = new char[count];
        for (int i = 0; i < count; i++)
        {
            chars[i] = (char)('0' + (i == 0 && leadingNonZero ? random.Next(1, 10) : random.Next(10)));
        }

        return new string(chars);
    }
}
