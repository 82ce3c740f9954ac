using LocalIotCore.S3;

namespace LocalIotCore.Tests.S3;

/// <summary>The Range header as GetObject reads it (RFC 9110 byte ranges), on a 10-byte object.</summary>
[TestClass]
public sealed class ByteRangeTests
{
    [TestMethod]
    [DataRow("bytes=0-0", "Partial", 0L, 0L)]
    [DataRow("bytes=3-100", "Partial", 3L, 9L)]
    [DataRow("bytes=7-", "Partial", 7L, 9L)]
    [DataRow("bytes=-4", "Partial", 6L, 9L)]
    [DataRow("bytes=-40", "Partial", 0L, 9L)]
    [DataRow("bytes=10-", "Unsatisfiable", 10L, 9L)]
    [DataRow("bytes=-0", "Unsatisfiable", 0L, 9L)]
    [DataRow("bytes=5-2", "Whole", 0L, 9L)]
    [DataRow("bytes=0-1,4-5", "Whole", 0L, 9L)]
    [DataRow("items=0-1", "Whole", 0L, 9L)]
    [DataRow("bytes=x-", "Whole", 0L, 9L)]
    public void Ranges_are_clamped_to_the_object_or_ignored_when_not_one_byte_range(string header, string outcome, long start, long end)
    {
        var result = S3Endpoint.ParseRange(header, 10, out var first, out var last);
        Assert.AreEqual(outcome, result.ToString());
        if (result != S3Endpoint.RangeOutcome.Unsatisfiable)
        {
            Assert.AreEqual((start, end), (first, last));
        }
    }

    [TestMethod]
    public void Keys_keep_their_slashes_and_are_decoded_once()
    {
        Assert.AreEqual(("b", "dir/a b%2.txt"), S3Endpoint.BucketAndKey("/b/dir/a%20b%252.txt"));
        Assert.AreEqual(("b", ""), S3Endpoint.BucketAndKey("/b"));
        Assert.AreEqual(("b", ""), S3Endpoint.BucketAndKey("/b/"));
        Assert.AreEqual(("", ""), S3Endpoint.BucketAndKey("/"));
    }
}
