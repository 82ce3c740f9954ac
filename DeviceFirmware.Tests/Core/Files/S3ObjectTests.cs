using System;
using DeviceFirmware.Core.Files;

namespace DeviceFirmware.Tests.Core.Files;

/// <summary>What a desired.s3 must be before anything is fetched: S3's bucket rules, a key that is a
/// safe relative path, a SHA-256 in hexadecimal.</summary>
[TestClass]
public sealed class S3ObjectTests
{
    private const string Hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    [TestMethod]
    [DataRow("abc")]
    [DataRow("firmware-files")]
    [DataRow("my.bucket.2026")]
    [DataRow("a1-b2.c3")]
    [DataRow("123")]
    public void S3_bucket_names_are_accepted(string bucket)
    {
        Assert.IsNull(S3Object.BucketProblem(bucket), bucket);
    }

    [TestMethod]
    [DataRow("ab", "3 to 63 characters")]
    [DataRow("Firmware", "lowercase letters")]
    [DataRow("my_bucket", "lowercase letters")]
    [DataRow("-bucket", "begin and end")]
    [DataRow("bucket.", "begin and end")]
    [DataRow("my..bucket", "\"..\"")]
    [DataRow("192.168.5.4", "IP address")]
    [DataRow("xn--bucket", "reserved prefix")]
    [DataRow("sthree-bucket", "reserved prefix")]
    [DataRow("bucket-s3alias", "reserved suffix")]
    [DataRow("bucket--ol-s3", "reserved suffix")]
    public void Names_S3_would_refuse_are_refused(string bucket, string fragment)
    {
        var problem = S3Object.BucketProblem(bucket);
        Assert.IsNotNull(problem, bucket);
        Assert.IsTrue(problem!.IndexOf(fragment) >= 0, problem);
    }

    [TestMethod]
    public void A_bucket_name_of_64_characters_is_refused()
    {
        Assert.IsNull(S3Object.BucketProblem(new string('b', 63)));
        Assert.IsNotNull(S3Object.BucketProblem(new string('b', 64)));
    }

    [TestMethod]
    [DataRow("file.bin")]
    [DataRow("config/pump/settings.json")]
    [DataRow("a..b/c.d")]
    [DataRow("dir/.hidden")]
    public void Keys_that_are_safe_relative_paths_are_accepted(string key)
    {
        Assert.IsNull(S3Object.KeyProblem(key), key);
    }

    [TestMethod]
    [DataRow("", "empty")]
    [DataRow("/etc/passwd", "start with '/'")]
    [DataRow("../etc/passwd", "\"..\" path segment")]
    [DataRow("config/../../etc", "\"..\" path segment")]
    [DataRow("config/./x", "\".\" or")]
    [DataRow("config//x", "empty path segment")]
    [DataRow("config/", "empty path segment")]
    [DataRow("a\\..\\b", "'\\'")]
    [DataRow("a\nb", "control characters")]
    public void Keys_that_could_leave_the_folder_are_refused(string key, string fragment)
    {
        var problem = S3Object.KeyProblem(key);
        Assert.IsNotNull(problem, key);
        Assert.IsTrue(problem!.IndexOf(fragment) >= 0, problem);
    }

    [TestMethod]
    public void A_key_is_limited_to_1024_UTF8_bytes()
    {
        Assert.IsNull(S3Object.KeyProblem(new string('k', 1024)));
        Assert.IsNotNull(S3Object.KeyProblem(new string('k', 1025)));
        // 'é' is two bytes in UTF-8: 513 of them are 1026 bytes.
        Assert.IsNotNull(S3Object.KeyProblem(new string('\u00e9', 513)));
        Assert.IsNull(S3Object.KeyProblem(new string('\u00e9', 512)));
    }

    [TestMethod]
    public void A_hash_is_normalised_to_lowercase_and_must_be_64_hex_digits()
    {
        Assert.AreEqual(Hash, S3Object.NormalisedHash(Hash.ToUpper()));
        Assert.AreEqual(Hash, S3Object.NormalisedHash(Hash));
        Assert.IsNull(S3Object.NormalisedHash(Hash.Substring(1)));
        Assert.IsNull(S3Object.NormalisedHash(Hash + "0"));
        Assert.IsNull(S3Object.NormalisedHash("g" + Hash.Substring(1)));
        Assert.IsNull(S3Object.NormalisedHash(" " + Hash.Substring(1)));
    }

    [TestMethod]
    public void A_record_splits_into_bucket_and_key()
    {
        string? reason;
        var installed = S3Object.FromRecord("s3://firmware-files/config/pump.json", Hash.ToUpper(), out reason);
        Assert.IsNull(reason);
        Assert.IsNotNull(installed);
        Assert.AreEqual("firmware-files", installed!.Bucket);
        Assert.AreEqual("config/pump.json", installed.Key);
        Assert.AreEqual(Hash, installed.Hash);
        Assert.AreEqual(Hash.ToUpper(), installed.HashAsWritten);
    }

    [TestMethod]
    [DataRow("https://firmware-files/config.json", "expected s3://bucket/key")]
    [DataRow("s3://firmware-files", "no key after the bucket")]
    [DataRow("s3://Firmware/config.json", "the bucket name")]
    [DataRow("s3://firmware-files/../config.json", "\"..\" path segment")]
    public void A_record_with_a_bad_url_is_refused_with_the_reason(string url, string fragment)
    {
        string? reason;
        Assert.IsNull(S3Object.FromRecord(url, Hash, out reason));
        Assert.IsTrue(reason != null && reason.IndexOf(fragment) >= 0, reason);
    }
}
