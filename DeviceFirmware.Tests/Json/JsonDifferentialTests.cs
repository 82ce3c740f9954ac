using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Tests.Json;

/// <summary>
/// The portable reader and writer (DeviceFirmware/Core/Json) against System.Text.Json, on a corpus of
/// generated and mutated documents from a fixed seed. Not portable: System.Text.Json exists only on .NET.
/// </summary>
[TestClass]
public sealed class JsonDifferentialTests
{
    private const int Seed = 12_2026;
    private const int MaximumDepth = 16;
    private const int MinimumCorpus = 20_000;

    // Large enough for every corpus document: the depth limit is the one under test.
    private static readonly JsonLimits Limits = new JsonLimits(4 * 1024 * 1024, MaximumDepth);

    private static readonly JsonDocumentOptions TheirOptions = new JsonDocumentOptions
    {
        MaxDepth = MaximumDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    private readonly TestContext _testContext;

    public JsonDifferentialTests(TestContext testContext)
    {
        _testContext = testContext;
    }

    [TestMethod]
    public void Reader_accepts_refuses_and_reads_as_System_Text_Json_does()
    {
        var watch = Stopwatch.StartNew();
        JsonCorpus corpus = JsonCorpus.Build(Seed, MaximumDepth);
        long buildMilliseconds = watch.ElapsedMilliseconds;
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var mismatches = new List<string>();
        int accepted = 0;
        int refused = 0;
        int rewritten = 0;
        foreach (byte[] doc in corpus.Documents)
        {
            JsonValue? ours = JsonReader.Parse(doc, 0, doc.Length, Limits, out JsonParseError? error);
            using JsonDocument? theirs = TryParse(doc);
            string outcome;
            if (ours != null && theirs != null)
            {
                accepted++;
                outcome = "both accept";
                string? diff = JsonTreeDiff.Compare(ours, theirs.RootElement);
                if (diff != null)
                {
                    mismatches.Add("read differently: " + diff + " in " + Show(doc));
                }
                else if (!JsonTreeDiff.HasInfinity(ours))
                {
                    rewritten++;
                    string? writeDiff = WriteAndReadBack(ours);
                    if (writeDiff != null)
                    {
                        mismatches.Add("write then read: " + writeDiff + " in " + Show(doc));
                    }
                }
            }
            else if (ours == null && theirs == null)
            {
                refused++;
                outcome = "both refuse (ours: " + error!.Kind + ")";
            }
            else if (ours == null)
            {
                refused++;
                outcome = ExpectedDivergence(error!, theirs!.RootElement);
                if (outcome.Length == 0)
                {
                    mismatches.Add("we refuse (" + error!.Message + "), System.Text.Json accepts: " + Show(doc));
                }
            }
            else
            {
                outcome = "MISMATCH";
                mismatches.Add("we accept, System.Text.Json refuses: " + Show(doc));
            }

            outcomes[outcome] = outcomes.TryGetValue(outcome, out int n) ? n + 1 : 1;
        }

        Report("JSON differential corpus: " + corpus.Documents.Count + " documents (seed " + Seed + ", max depth " + MaximumDepth + ")");
        foreach (var source in corpus.Sources)
        {
            Report("  source  " + source.Value.ToString(CultureInfo.InvariantCulture).PadLeft(6) + "  " + source.Key);
        }

        foreach (var outcome in outcomes)
        {
            Report("  outcome " + outcome.Value.ToString(CultureInfo.InvariantCulture).PadLeft(6) + "  " + outcome.Key);
        }

        Report("  accepted " + accepted + ", refused " + refused + ", written and read back " + rewritten + ", mismatches " + mismatches.Count
            + "; " + buildMilliseconds + " ms to build the corpus, " + (watch.ElapsedMilliseconds - buildMilliseconds) + " ms to compare");
        foreach (string mismatch in mismatches.Take(10))
        {
            Report("  " + mismatch);
        }

        Assert.IsTrue(corpus.Documents.Count >= MinimumCorpus, "the corpus shrank to " + corpus.Documents.Count);
        Assert.IsTrue(accepted >= 5000 && refused >= 5000, "the corpus must exercise both outcomes: " + accepted + " accepted, " + refused + " refused");
        Assert.IsTrue(outcomes.ContainsKey("expected divergence: duplicate key"), "no duplicate-key document reached the comparison");
        Assert.AreEqual(0, mismatches.Count, mismatches.FirstOrDefault());
    }

    /// <summary>
    /// Why we may refuse what JsonDocument.Parse accepts: a duplicate key (it keeps both), or a string it
    /// accepts but cannot read (invalid UTF-8 or a lone surrogate escape: GetString throws). Empty: no reason.
    /// </summary>
    private static string ExpectedDivergence(JsonParseError error, JsonElement theirs)
    {
        if (error.Kind == JsonError.DuplicateKey && JsonTreeDiff.HasDuplicateName(theirs))
        {
            return "expected divergence: duplicate key";
        }

        if ((error.Kind == JsonError.NotUtf8 || error.Kind == JsonError.LoneSurrogate) && JsonTreeDiff.HasUnreadableString(theirs))
        {
            return "expected divergence: " + error.Kind + " in a string System.Text.Json cannot read";
        }

        return "";
    }

    /// <summary>Our writer's output must read back to the same tree in our reader and in System.Text.Json.</summary>
    private static string? WriteAndReadBack(JsonValue tree)
    {
        var writer = new JsonWriter();
        writer.Raw(tree);
        byte[] written = writer.ToArray();
        JsonValue? again = JsonReader.Parse(written, 0, written.Length, Limits, out JsonParseError? error);
        if (again == null)
        {
            return "our reader refuses our output (" + error!.Message + "): " + Show(written);
        }

        string? diff = JsonTreeDiff.Compare(tree, again);
        if (diff != null)
        {
            return diff;
        }

        using JsonDocument? theirs = TryParse(written);
        return theirs == null ? "System.Text.Json refuses our output: " + Show(written) : JsonTreeDiff.Compare(tree, theirs.RootElement);
    }

    private static JsonDocument? TryParse(byte[] doc)
    {
        try
        {
            return JsonDocument.Parse(doc, TheirOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Show(byte[] doc)
    {
        var sb = new StringBuilder();
        foreach (byte b in doc.Take(120))
        {
            sb.Append(b >= 0x20 && b < 0x7F ? ((char)b).ToString() : "<" + b.ToString("X2", CultureInfo.InvariantCulture) + ">");
        }

        return sb + (doc.Length > 120 ? "... (" + doc.Length + " bytes)" : "");
    }

    // DisplayMessage reaches `dotnet test`'s console log at any verbosity, so CI logs show the corpus.
    private void Report(string line) => _testContext.DisplayMessage(MessageLevel.Informational, line);
}
