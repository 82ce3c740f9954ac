using System;

namespace DeviceFirmware.Core.Json;

/// <summary>
/// The recursive-descent parser behind <see cref="JsonReader"/>: one instance per document. Recursion is
/// bounded by <see cref="JsonLimits.MaximumDepth"/>. Members of the open containers share one growable
/// stack, so building the tree allocates each container's final arrays once.
/// </summary>
internal sealed class JsonParser
{
    private readonly byte[] _bytes;
    private readonly int _start;
    private readonly int _end;
    private readonly JsonLimits _limits;
    private readonly JsonStrings _strings;
    private readonly JsonMemberStack _members = new JsonMemberStack();
    private JsonNumberParser? _numbers;
    private JsonParseError? _error;
    private int _pos;

    public JsonParser(byte[] bytes, int offset, int count, JsonLimits limits)
    {
        _bytes = bytes;
        _start = offset;
        _end = offset + count;
        _limits = limits;
        _pos = offset;
        _strings = new JsonStrings(this, bytes, _end);
    }

    public int Position
    {
        get => _pos;
        set => _pos = value;
    }

    public JsonValue? Parse(out JsonParseError? error)
    {
        error = null;
        int count = _end - _start;
        if (count > _limits.MaximumBytes)
        {
            Fail(JsonError.TooLarge, _start + _limits.MaximumBytes, string.Concat(
                "the document has ", count.ToString(), " bytes, more than the ", _limits.MaximumBytes.ToString(),
                " allowed (at byte ", _limits.MaximumBytes.ToString(), ")"));
            error = _error;
            return null;
        }

        int invalid = Utf8Validator.FindInvalid(_bytes, _start, _end);
        if (invalid >= 0)
        {
            Fail(JsonError.NotUtf8, invalid, string.Concat("invalid UTF-8 sequence at byte ", Relative(invalid).ToString()));
            error = _error;
            return null;
        }

        SkipWhitespace();
        JsonValue? root = _pos >= _end
            ? FailEnd("the document is empty or only whitespace")
            : ParseValue(0);
        if (root != null)
        {
            SkipWhitespace();
            if (_pos < _end)
            {
                root = FailAt(JsonError.Syntax, _pos, string.Concat("unexpected ", Describe(_bytes[_pos]), " after the end of the document"));
            }
        }

        error = _error;
        return root;
    }

    /// <summary>Records the first error (with its line and column) and returns null.</summary>
    public JsonValue? Fail(JsonError kind, int position, string message)
    {
        if (_error == null)
        {
            int line = 1;
            int lineStart = _start;
            for (int i = _start; i < position && i < _end; i++)
            {
                if (_bytes[i] == (byte)'\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }

            _error = new JsonParseError(kind, Relative(position), line, position - lineStart + 1, message);
        }

        return null;
    }

    /// <summary>Fails with "... at byte N" appended.</summary>
    public JsonValue? FailAt(JsonError kind, int position, string message) =>
        Fail(kind, position, string.Concat(message, " at byte ", Relative(position).ToString()));

    /// <summary>Fails with <see cref="JsonError.UnexpectedEnd"/> at the end of the document.</summary>
    public JsonValue? FailEnd(string what) =>
        Fail(JsonError.UnexpectedEnd, _end, string.Concat(what, " (the document ends at byte ", Relative(_end).ToString(), ")"));

    public int Relative(int position) => position - _start;

    /// <summary>'x' for printable ASCII, else the byte in hex.</summary>
    public static string Describe(int b)
    {
        if (b > 0x20 && b < 0x7F)
        {
            return string.Concat("'", ((char)b).ToString(), "'");
        }

        return string.Concat("byte 0x", b.ToString("X2"));
    }

    private JsonValue? ParseValue(int depth)
    {
        int b = _bytes[_pos];
        switch (b)
        {
            case '{':
                return ParseObject(depth);
            case '[':
                return ParseArray(depth);
            case '"':
                int start = _pos;
                int hash;
                string? text = _strings.Read(out hash);
                return text == null ? null : JsonValue.NewString(Relative(start), text);
            case 't':
                return ParseLiteral("true", JsonKind.True);
            case 'f':
                return ParseLiteral("false", JsonKind.False);
            case 'n':
                return ParseLiteral("null", JsonKind.Null);
            default:
                if (b == '-' || (b >= '0' && b <= '9'))
                {
                    return (_numbers ?? (_numbers = new JsonNumberParser(this))).Read(_bytes, _end);
                }

                return FailAt(JsonError.Syntax, _pos, string.Concat("expected a value but found ", Describe(b)));
        }
    }

    private JsonValue? ParseObject(int depth)
    {
        int open = _pos;
        if (depth + 1 > _limits.MaximumDepth)
        {
            return TooDeep(open);
        }

        _pos++;
        int first = _members.Count;
        int[]? index = null;
        SkipWhitespace();
        if (_pos < _end && _bytes[_pos] == (byte)'}')
        {
            _pos++;
            return JsonValue.NewObject(Relative(open), new string[0], new JsonValue[0]);
        }

        while (true)
        {
            if (_pos >= _end)
            {
                return Abandon(first, FailEnd("the document ends inside an object"));
            }

            if (_bytes[_pos] != (byte)'"')
            {
                return Abandon(first, FailAt(JsonError.Syntax, _pos, string.Concat("expected a member name in double quotes but found ", Describe(_bytes[_pos]))));
            }

            int nameStart = _pos;
            int hash;
            string? name = _strings.Read(out hash);
            if (name == null)
            {
                return Abandon(first, null);
            }

            if (_members.IsDuplicate(first, name, hash, ref index))
            {
                return Abandon(first, FailAt(JsonError.DuplicateKey, nameStart, string.Concat("duplicate member name \"", Shorten(name), "\"")));
            }

            SkipWhitespace();
            if (_pos >= _end)
            {
                return Abandon(first, FailEnd("the document ends inside an object"));
            }

            if (_bytes[_pos] != (byte)':')
            {
                return Abandon(first, FailAt(JsonError.Syntax, _pos, string.Concat("expected ':' after a member name but found ", Describe(_bytes[_pos]))));
            }

            _pos++;
            SkipWhitespace();
            if (_pos >= _end)
            {
                return Abandon(first, FailEnd("the document ends where a member value was expected"));
            }

            JsonValue? value = ParseValue(depth + 1);
            if (value == null)
            {
                return Abandon(first, null);
            }

            _members.Push(name, hash, value);
            SkipWhitespace();
            if (_pos >= _end)
            {
                return Abandon(first, FailEnd("the document ends inside an object"));
            }

            byte next = _bytes[_pos];
            _pos++;
            if (next == (byte)'}')
            {
                break;
            }

            if (next != (byte)',')
            {
                return Abandon(first, FailAt(JsonError.Syntax, _pos - 1, string.Concat("expected ',' or '}' but found ", Describe(next))));
            }

            SkipWhitespace();
        }

        JsonValue result = JsonValue.NewObject(Relative(open), _members.Names(first), _members.Values(first));
        _members.PopTo(first);
        return result;
    }

    private JsonValue? ParseArray(int depth)
    {
        int open = _pos;
        if (depth + 1 > _limits.MaximumDepth)
        {
            return TooDeep(open);
        }

        _pos++;
        int first = _members.Count;
        SkipWhitespace();
        if (_pos < _end && _bytes[_pos] == (byte)']')
        {
            _pos++;
            return JsonValue.NewArray(Relative(open), new JsonValue[0]);
        }

        while (true)
        {
            if (_pos >= _end)
            {
                return Abandon(first, FailEnd("the document ends inside an array"));
            }

            JsonValue? item = ParseValue(depth + 1);
            if (item == null)
            {
                return Abandon(first, null);
            }

            _members.Push(null, 0, item);
            SkipWhitespace();
            if (_pos >= _end)
            {
                return Abandon(first, FailEnd("the document ends inside an array"));
            }

            byte next = _bytes[_pos];
            _pos++;
            if (next == (byte)']')
            {
                break;
            }

            if (next != (byte)',')
            {
                return Abandon(first, FailAt(JsonError.Syntax, _pos - 1, string.Concat("expected ',' or ']' but found ", Describe(next))));
            }

            SkipWhitespace();
        }

        JsonValue result = JsonValue.NewArray(Relative(open), _members.Values(first));
        _members.PopTo(first);
        return result;
    }

    private JsonValue? TooDeep(int open) =>
        FailAt(JsonError.TooDeep, open, string.Concat("objects and arrays nest deeper than ", _limits.MaximumDepth.ToString(), " levels"));

    private JsonValue? ParseLiteral(string word, JsonKind kind)
    {
        int start = _pos;
        for (int k = 0; k < word.Length; k++)
        {
            if (_pos >= _end)
            {
                return FailEnd(string.Concat("the document ends inside '", word, "'"));
            }

            if (_bytes[_pos] != (byte)word[k])
            {
                return FailAt(JsonError.Syntax, _pos, string.Concat("expected '", word, "' but found ", Describe(_bytes[_pos])));
            }

            _pos++;
        }

        return JsonValue.NewLiteral(Relative(start), kind);
    }

    /// <summary>Pops an unfinished container's members; returns <paramref name="result"/> (null: an error).</summary>
    private JsonValue? Abandon(int first, JsonValue? result)
    {
        _members.PopTo(first);
        return result;
    }

    private void SkipWhitespace()
    {
        while (_pos < _end)
        {
            byte b = _bytes[_pos];
            if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\n' && b != (byte)'\r')
            {
                return;
            }

            _pos++;
        }
    }

    private static string Shorten(string name) => name.Length <= 40 ? name : string.Concat(name.Substring(0, 40), "...");
}
