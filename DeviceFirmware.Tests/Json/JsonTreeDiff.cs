using System.Text.Json;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Tests.Json;

/// <summary>Compares our trees with System.Text.Json's and with each other; null means "the same".</summary>
internal static class JsonTreeDiff
{
    /// <summary>Same kinds, names in order, strings, integers (TryGetInt64), doubles bit for bit.</summary>
    public static string? Compare(JsonValue ours, JsonElement theirs, string path = "$")
    {
        switch (ours.Kind)
        {
            case JsonKind.Object:
                if (theirs.ValueKind != JsonValueKind.Object)
                {
                    return Mismatch(path, ours, theirs);
                }

                var members = theirs.EnumerateObject().ToList();
                if (members.Count != ours.Count)
                {
                    return path + ": " + ours.Count + " members, System.Text.Json " + members.Count;
                }

                for (int i = 0; i < members.Count; i++)
                {
                    if (members[i].Name != ours.NameAt(i))
                    {
                        return path + ": member " + i + " is named differently";
                    }

                    string? inner = Compare(ours.ValueAt(i), members[i].Value, path + "." + i);
                    if (inner != null)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonKind.Array:
                if (theirs.ValueKind != JsonValueKind.Array || theirs.GetArrayLength() != ours.Count)
                {
                    return Mismatch(path, ours, theirs);
                }

                int index = 0;
                foreach (JsonElement item in theirs.EnumerateArray())
                {
                    string? inner = Compare(ours.ValueAt(index), item, path + "[" + index + "]");
                    if (inner != null)
                    {
                        return inner;
                    }

                    index++;
                }

                return null;
            case JsonKind.String:
                return theirs.ValueKind == JsonValueKind.String && theirs.GetString() == ours.StringValue ? null : Mismatch(path, ours, theirs);
            case JsonKind.Integer:
                return theirs.ValueKind == JsonValueKind.Number && theirs.TryGetInt64(out long integer) && integer == ours.IntegerValue
                    && Bits(theirs.GetDouble()) == Bits(ours.NumberValue)
                    ? null
                    : Mismatch(path, ours, theirs);
            case JsonKind.Number:
                return theirs.ValueKind == JsonValueKind.Number && !theirs.TryGetInt64(out _) && theirs.TryGetDouble(out double number)
                    && Bits(number) == Bits(ours.NumberValue)
                    ? null
                    : Mismatch(path, ours, theirs);
            case JsonKind.True:
                return theirs.ValueKind == JsonValueKind.True ? null : Mismatch(path, ours, theirs);
            case JsonKind.False:
                return theirs.ValueKind == JsonValueKind.False ? null : Mismatch(path, ours, theirs);
            default:
                return theirs.ValueKind == JsonValueKind.Null ? null : Mismatch(path, ours, theirs);
        }
    }

    /// <summary>Our tree against our tree (after a write and a second read).</summary>
    public static string? Compare(JsonValue a, JsonValue b, string path = "$")
    {
        if (a.Kind != b.Kind || a.Count != b.Count)
        {
            return path + ": " + a.Kind + "/" + a.Count + " became " + b.Kind + "/" + b.Count;
        }

        switch (a.Kind)
        {
            case JsonKind.Object:
            case JsonKind.Array:
                for (int i = 0; i < a.Count; i++)
                {
                    if (a.Kind == JsonKind.Object && a.NameAt(i) != b.NameAt(i))
                    {
                        return path + ": member " + i + " renamed";
                    }

                    string? inner = Compare(a.ValueAt(i), b.ValueAt(i), path + "/" + i);
                    if (inner != null)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonKind.String:
                return a.StringValue == b.StringValue ? null : path + ": string changed";
            case JsonKind.Integer:
                return a.IntegerValue == b.IntegerValue && Bits(a.NumberValue) == Bits(b.NumberValue) ? null : path + ": integer changed";
            case JsonKind.Number:
                return Bits(a.NumberValue) == Bits(b.NumberValue) ? null : path + ": number changed";
            default:
                return null;
        }
    }

    /// <summary>Whether System.Text.Json's tree holds an object with two members of the same name.</summary>
    public static bool HasDuplicateName(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty member in element.EnumerateObject())
            {
                if (!seen.Add(member.Name) || HasDuplicateName(member.Value))
                {
                    return true;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            return element.EnumerateArray().Any(HasDuplicateName);
        }

        return false;
    }

    /// <summary>Whether some string or member name in System.Text.Json's tree cannot be read
    /// (GetString throws on invalid UTF-8 and on lone surrogate escapes).</summary>
    public static bool HasUnreadableString(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return false;
                case JsonValueKind.Object:
                    foreach (JsonProperty member in element.EnumerateObject())
                    {
                        _ = member.Name;
                        if (HasUnreadableString(member.Value))
                        {
                            return true;
                        }
                    }

                    return false;
                case JsonValueKind.Array:
                    return element.EnumerateArray().Any(HasUnreadableString);
                default:
                    return false;
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>Whether the tree holds a number beyond the double range (the writer refuses those).</summary>
    public static bool HasInfinity(JsonValue value)
    {
        if (value.Kind == JsonKind.Number)
        {
            return !value.IsFiniteNumber;
        }

        for (int i = 0; i < value.Count; i++)
        {
            if (HasInfinity(value.ValueAt(i)))
            {
                return true;
            }
        }

        return false;
    }

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);

    private static string Mismatch(string path, JsonValue ours, JsonElement theirs) =>
        path + ": ours " + ours.Kind + ", System.Text.Json " + theirs.ValueKind + " " + Shorten(theirs.GetRawText());

    private static string Shorten(string text) => text.Length <= 80 ? text : text.Substring(0, 80) + "...";
}
