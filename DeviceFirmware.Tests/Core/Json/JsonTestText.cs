using System;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Tests.Core.Json;

/// <summary>Helpers shared by the portable JSON tests (no Encoding on nanoFramework: bytes by hand).</summary>
internal static class JsonTestText
{
    /// <summary>The bytes of an ASCII string; any other character is a mistake in the test.</summary>
    public static byte[] Ascii(string text)
    {
        byte[] bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] > 0x7F)
            {
                throw new ArgumentException("test text must be ASCII; write other bytes explicitly");
            }

            bytes[i] = (byte)text[i];
        }

        return bytes;
    }

    public static byte[] Join(byte[] a, byte[] b, byte[] c)
    {
        byte[] all = new byte[a.Length + b.Length + c.Length];
        Array.Copy(a, 0, all, 0, a.Length);
        Array.Copy(b, 0, all, a.Length, b.Length);
        Array.Copy(c, 0, all, a.Length + b.Length, c.Length);
        return all;
    }

    public static JsonValue Parse(string json) => Parse(Ascii(json));

    public static JsonValue Parse(byte[] utf8) => Parse(utf8, JsonLimits.Default);

    public static JsonValue Parse(byte[] utf8, JsonLimits limits)
    {
        JsonParseError? error;
        JsonValue? value = JsonReader.Parse(utf8, 0, utf8.Length, limits, out error);
        Assert.IsNull(error, error == null ? "" : error.Message);
        Assert.IsNotNull(value);
        return value!;
    }

    public static JsonParseError Refuse(string json, JsonError kind, int byteOffset) =>
        Refuse(Ascii(json), JsonLimits.Default, kind, byteOffset);

    public static JsonParseError Refuse(byte[] utf8, JsonLimits limits, JsonError kind, int byteOffset)
    {
        JsonParseError? error;
        JsonValue? value = JsonReader.Parse(utf8, 0, utf8.Length, limits, out error);
        Assert.IsNull(value, "the reader should refuse this document");
        Assert.IsNotNull(error);
        Assert.AreEqual((int)kind, (int)error!.Kind, error.Message);
        Assert.AreEqual(byteOffset, error.ByteOffset, error.Message);
        Assert.IsTrue(error.Message.EndsWith(string.Concat(" ", byteOffset.ToString())) || error.Message.IndexOf(string.Concat("byte ", byteOffset.ToString())) >= 0, "the sentence names the byte: " + error.Message);
        return error;
    }

    /// <summary>Writes <paramref name="value"/> with a fresh writer and returns the text (ASCII output only).</summary>
    public static string Write(JsonValue value)
    {
        var writer = new JsonWriter();
        writer.Raw(value);
        return Text(writer.ToArray());
    }

    /// <summary>Bytes as a string, one char per byte (for comparing ASCII output).</summary>
    public static string Text(byte[] bytes)
    {
        char[] chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = (char)bytes[i];
        }

        return new string(chars);
    }
}
