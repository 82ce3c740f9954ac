using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DeviceFirmware.Cloud;

namespace DeviceFirmware.Tests.Cloud;

/// <summary>SigV4 against the worked examples of AWS's documentation (IAM ListUsers, S3 GetObject with a Range).</summary>
[TestClass]
public sealed class SigV4Tests
{
    private const string IamExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string S3ExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [TestMethod]
    public void The_iam_example_gives_its_canonical_request_hash_signing_key_and_signature()
    {
        KeyValuePair<string, string>[] headers =
        [
            new("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
            new("host", "iam.amazonaws.com"),
            new("x-amz-date", "20150830T123600Z"),
        ];
        var canonical = SigV4.CanonicalRequest("GET", SigV4.CanonicalUri("/"), SigV4.CanonicalQuery([new("Version", "2010-05-08"), new("Action", "ListUsers")]), headers, SigV4.EmptyPayloadHash);
        Assert.AreEqual("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59", SigV4.Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var key = SigV4.SigningKey(IamExampleSecret, "20150830", "us-east-1", "iam");
        Assert.AreEqual("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9", SigV4.Hex(key));
        var scope = SigV4.Scope("20150830", "us-east-1", "iam");
        Assert.AreEqual("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7", SigV4.Signature(key, SigV4.StringToSign("20150830T123600Z", scope, canonical)));
    }

    [TestMethod]
    public void Signing_the_s3_get_object_example_gives_its_authorization_header()
    {
        var request = new SignableRequest("GET", "examplebucket.s3.amazonaws.com", "/test.txt", [], [new("Range", "bytes=0-9")], SigV4.EmptyPayloadHash);
        var headers = SigV4.Sign(request, new AwsCredentials("AKIAIOSFODNN7EXAMPLE", S3ExampleSecret), "us-east-1", "s3", new DateTime(2013, 5, 24, 0, 0, 0, DateTimeKind.Utc));
        var sent = headers.ToDictionary(h => h.Key, h => h.Value);
        Assert.AreEqual("20130524T000000Z", sent["x-amz-date"]);
        Assert.AreEqual(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            sent["Authorization"]);
        Assert.IsFalse(sent.ContainsKey("x-amz-security-token"));
    }

    [TestMethod]
    public void Temporary_credentials_sign_their_session_token_so_changing_it_changes_the_signature()
    {
        var request = new SignableRequest("GET", "localhost:8443", "/bucket/a b/c.bin", [], [], SigV4.UnsignedPayload);
        var at = DateTime.Parse("2026-12-03T10:00:00Z", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        var one = SigV4.Sign(request, new AwsCredentials("ASIA1", "secret", "token-1"), "us-east-1", "s3", at).ToDictionary(h => h.Key, h => h.Value);
        var two = SigV4.Sign(request, new AwsCredentials("ASIA1", "secret", "token-2"), "us-east-1", "s3", at).ToDictionary(h => h.Key, h => h.Value);
        Assert.AreEqual("token-1", one["x-amz-security-token"]);
        StringAssert.Contains(one["Authorization"], "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,");
        Assert.AreNotEqual(one["Authorization"], two["Authorization"]);
    }

    [TestMethod]
    [DataRow("/bucket/a b/c.bin", "/bucket/a%20b/c.bin")]
    [DataRow("/bucket/k~e_y-1.2", "/bucket/k~e_y-1.2")]
    [DataRow("/bucket/é+=", "/bucket/%C3%A9%2B%3D")]
    public void Paths_are_encoded_once_per_segment_as_s3_wants(string path, string canonical) =>
        Assert.AreEqual(canonical, SigV4.CanonicalUri(path));

    [TestMethod]
    public void Header_values_are_trimmed_and_inner_spaces_collapsed() =>
        Assert.AreEqual("a b c", SigV4.CanonicalHeaderValue("  a   b c "));
}
