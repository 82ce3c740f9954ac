using System.Globalization;
using System.Numerics;
using System.Text;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Tests.Json;

/// <summary>
/// The portable number conversions against .NET's own: our writer's text for a double must be exactly
/// double.ToString("R") (shortest round-trip, .NET Core 3.0+), and our reader's double for a decimal literal
/// must be bit for bit double.Parse's. Fixed seed; random bit patterns cover every binary exponent.
/// One known exception: for some exact powers of two .NET 10's "R" text is one digit too short and reads
/// back as the double below (2^-25 gives "2.980232238769531E-08"; dotnet/runtime PR 131131 fixes Dragon4's
/// unequal margins). There ours must be the text that round-trips, which is what the fixed runtime prints.
/// </summary>
[TestClass]
public sealed class JsonNumberDifferentialTests
{
    private readonly TestContext _testContext;

    public JsonNumberDifferentialTests(TestContext testContext)
    {
        _testContext = testContext;
    }

    private const int Seed = 2026_12_02;
    private const int Count = 20_000;

    [TestMethod]
    public void Writer_formats_doubles_exactly_as_dotnet_round_trip_formatting()
    {
        var random = new Random(Seed);
        var writer = new JsonWriter();
        var mismatches = new List<string>();
        int checkedCount = 0;
        int dotnetNotRoundTrip = 0;
        foreach (double value in Doubles(random))
        {
            writer.Clear();
            writer.Number(value);
            string ours = Encoding.ASCII.GetString(writer.ToArray());
            string theirs = value.ToString("R", CultureInfo.InvariantCulture);
            checkedCount++;
            if (ours != theirs)
            {
                bool theirsIsWrong = double.Parse(theirs, CultureInfo.InvariantCulture) != value && IsPowerOfTwo(value);
                if (!theirsIsWrong)
                {
                    mismatches.Add(theirs + " written as " + ours);
                    continue;
                }

                dotnetNotRoundTrip++;
            }

            JsonValue back = JsonTestParse(writer.ToArray());
            if (BitConverter.DoubleToInt64Bits(back.NumberValue) != BitConverter.DoubleToInt64Bits(value))
            {
                mismatches.Add(theirs + " reads back as " + back.NumberValue.ToString("R", CultureInfo.InvariantCulture));
            }
        }

        _testContext.DisplayMessage(MessageLevel.Informational, "JSON number formatting: " + checkedCount + " doubles compared with ToString(\"R\"), " + mismatches.Count + " mismatches, "
            + dotnetNotRoundTrip + " powers of two where .NET's text does not round-trip and ours does");
        Assert.IsTrue(checkedCount >= Count, "too few doubles: " + checkedCount);
        Assert.AreEqual(0, mismatches.Count, string.Join("; ", mismatches.Take(10)));
    }

    [TestMethod]
    public void Reader_parses_decimal_literals_exactly_as_double_Parse()
    {
        var random = new Random(Seed + 1);
        var mismatches = new List<string>();
        int checkedCount = 0;
        for (int i = 0; i < Count; i++)
        {
            string literal = Literal(random);
            double theirs = double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture);
            JsonValue ours = JsonTestParse(Encoding.ASCII.GetBytes(literal));
            checkedCount++;
            if (BitConverter.DoubleToInt64Bits(ours.NumberValue) != BitConverter.DoubleToInt64Bits(theirs))
            {
                mismatches.Add(literal + ": ours " + ours.NumberValue.ToString("R", CultureInfo.InvariantCulture) + ", double.Parse " + theirs.ToString("R", CultureInfo.InvariantCulture));
            }
        }

        _testContext.DisplayMessage(MessageLevel.Informational, "JSON number parsing: " + checkedCount + " literals compared with double.Parse, " + mismatches.Count + " mismatches");
        Assert.AreEqual(0, mismatches.Count, string.Join("; ", mismatches.Take(10)));
    }

    /// <summary>Random bit patterns (every exponent, subnormals), short decimals, integers, and the
    /// neighbours of powers of two and ten, where the gap below is half the gap above.</summary>
    private static IEnumerable<double> Doubles(Random random)
    {
        yield return 0.0;
        yield return -0.0;
        yield return double.Epsilon;
        yield return double.MaxValue;
        yield return -double.MaxValue;
        for (int e = -1074; e <= 1023; e++)
        {
            double power = Math.ScaleB(1.0, e);
            yield return power;
            yield return Math.BitIncrement(power);
            yield return Math.BitDecrement(power);
        }

        for (int e = -323; e <= 308; e++)
        {
            double power = double.Parse("1e" + e.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            yield return power;
            yield return Math.BitIncrement(power);
            yield return Math.BitDecrement(power);
        }

        for (int i = 0; i < Count / 2; i++)
        {
            double value = BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
            if (double.IsFinite(value))
            {
                yield return value;
            }
        }

        for (int i = 0; i < Count / 4; i++)
        {
            yield return Math.Round(random.NextDouble() * 2000 - 1000, random.Next(0, 6));
            yield return random.NextInt64(-(1L << 60), 1L << 60);
        }
    }

    /// <summary>JSON number literals: up to 45 significant digits and exponents to +-350; one in four is
    /// exactly half-way between two doubles (or just above or below), where rounding must be exact.</summary>
    private static string Literal(Random random)
    {
        if (random.Next(4) == 0)
        {
            return HalfWay(random);
        }

        var sb = new StringBuilder();
        if (random.Next(2) == 0)
        {
            sb.Append('-');
        }

        sb.Append(random.Next(4) == 0 ? "0" : JsonCorpus.Digits(random, random.Next(1, 21), leadingNonZero: true));
        if (random.Next(2) == 0)
        {
            sb.Append('.').Append(JsonCorpus.Digits(random, random.Next(1, 26), leadingNonZero: false));
        }

        if (random.Next(3) != 0)
        {
            sb.Append(random.Next(2) == 0 ? 'e' : 'E').Append(random.Next(-350, 351).ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>The exact decimal of (2m+1) * 2^(e-1), the midpoint between the double m * 2^e and the next
    /// one up; variants add or subtract one unit in a far digit.</summary>
    private static string HalfWay(Random random)
    {
        double d = BitConverter.Int64BitsToDouble(random.NextInt64(1, 0x7FEFFFFFFFFFFFFF));
        long bits = BitConverter.DoubleToInt64Bits(d);
        int biased = (int)(bits >> 52);
        long mantissa = bits & 0xFFFFFFFFFFFFF;
        int exponent = biased == 0 ? -1074 : biased - 1075;
        if (biased != 0)
        {
            mantissa |= 1L << 52;
        }

        BigInteger odd = (2 * new BigInteger(mantissa)) + 1;
        int twos = exponent - 1;
        BigInteger digits;
        int decimals;
        if (twos >= 0)
        {
            digits = odd << twos;
            decimals = 0;
        }
        else
        {
            // odd / 2^k = odd * 5^k / 10^k
            digits = odd * BigInteger.Pow(5, -twos);
            decimals = -twos;
        }

        int variant = random.Next(3);
        string text = digits.ToString(CultureInfo.InvariantCulture);
        if (variant != 0)
        {
            // 40 more decimals, then +1 or -1 in the last one: just above or just below the midpoint.
            BigInteger scaled = (digits * BigInteger.Pow(10, 40)) + (variant == 1 ? 1 : -1);
            text = scaled.ToString(CultureInfo.InvariantCulture);
            decimals += 40;
        }

        return decimals == 0 ? text : text + "e-" + decimals.ToString(CultureInfo.InvariantCulture);
    }

    private static bool IsPowerOfTwo(double value) => (BitConverter.DoubleToInt64Bits(value) & 0xFFFFFFFFFFFFF) == 0;

    private static JsonValue JsonTestParse(byte[] utf8)
    {
        JsonValue? value = JsonReader.Parse(utf8, out JsonParseError? error);
        Assert.IsNotNull(value, error?.Message);
        return value;
    }
}
