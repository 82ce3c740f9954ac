using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Shadow;

namespace DeviceFirmware.Core.Files;

/// <summary>
/// A validated <c>desired.s3</c>: an object in S3 (<c>s3://bucket/key</c>) and the SHA-256 its content
/// must have. Only values that pass every check exist: a bucket name S3 would accept, a key that is
/// safe as a relative file path, and 64 hexadecimal digits (kept lowercase in <see cref="Hash"/>).
/// </summary>
public sealed class S3Object
{
    public const string UrlScheme = "s3://";
    public const int MinimumBucketLength = 3;
    public const int MaximumBucketLength = 63;

    /// <summary>S3's limit on an object key, in UTF-8 bytes.</summary>
    public const int MaximumKeyBytes = 1024;

    /// <summary>A SHA-256 in hexadecimal.</summary>
    public const int HashLength = 64;

    /// <summary>The longest URL that can be valid: scheme, bucket, '/', key (one UTF-8 byte per character at best).</summary>
    public const int MaximumUrlLength = 5 + MaximumBucketLength + 1 + MaximumKeyBytes;

    /// <summary>What desired.s3 must look like, quoted in every refusal.</summary>
    public const string ExpectedShape = "expected an object {\"url\": \"s3://bucket/key\", \"hash\": \"<SHA-256 as 64 hex digits>\"}";

    // S3's reserved bucket name prefixes and suffixes (access point aliases, directory buckets, ...).
    private static readonly string[] ReservedBucketPrefixes = { "xn--", "sthree-", "amzn-s3-demo-" };
    private static readonly string[] ReservedBucketSuffixes = { "-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3" };

    private S3Object(string url, string bucket, string key, string hash, string hashAsWritten)
    {
        Url = url;
        Bucket = bucket;
        Key = key;
        Hash = hash;
        HashAsWritten = hashAsWritten;
    }

    public string Url { get; }

    public string Bucket { get; }

    public string Key { get; }

    /// <summary>Lowercase hexadecimal: what the downloaded content's SHA-256 is compared with.</summary>
    public string Hash { get; }

    /// <summary>The hash as desired.s3 spelled it: reported back unchanged, so the shadow's delta clears.</summary>
    public string HashAsWritten { get; }

    /// <summary>Same object, same content: the URL exactly, the hash in any letter case.</summary>
    public bool SameAs(S3Object? other) => other != null && other.Url == Url && other.Hash == Hash;

    /// <summary>Validates a desired.s3 value.</summary>
    /// <param name="partialAllowed">True for a delta: AWS compares nested objects member by member, so
    /// a delta holds only the members that changed (a new upload of the same key: only <c>hash</c>).</param>
    /// <param name="reason">Why it is refused; null when valid or partial.</param>
    /// <param name="partial">True when the value is a well-formed part of desired.s3 (one of url or hash).</param>
    /// <returns>The object, or null when refused or partial.</returns>
    public static S3Object? FromDesired(DesiredValue value, bool partialAllowed, out string? reason, out bool partial)
    {
        partial = false;
        var members = value.Members;
        if (value.Kind != JsonKind.Object || members == null)
        {
            reason = "invalid s3 value " + value.Description + ": " + ExpectedShape;
            return null;
        }

        DesiredValue? url = null;
        DesiredValue? hash = null;
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            if (member.Name == ShadowKeys.Url)
            {
                url = member;
            }
            else if (member.Name == ShadowKeys.Hash)
            {
                hash = member;
            }
            else
            {
                reason = "invalid s3 value: unexpected member " + Quote(member.Name) + "; " + ExpectedShape;
                return null;
            }
        }

        if (url != null && url.Kind != JsonKind.String)
        {
            reason = "invalid s3 url " + url.Description + ": expected a string \"s3://bucket/key\"";
            return null;
        }

        if (hash != null && hash.Kind != JsonKind.String)
        {
            reason = "invalid s3 hash " + hash.Description + ": expected a string of 64 hex digits (SHA-256)";
            return null;
        }

        if (url == null || hash == null)
        {
            if (partialAllowed && (url != null || hash != null))
            {
                partial = true;
                reason = null;
                return null;
            }

            reason = "invalid s3 value: missing " + (url == null && hash == null ? "\"url\" and \"hash\"" : url == null ? "\"url\"" : "\"hash\"") + "; " + ExpectedShape;
            return null;
        }

        return FromText(url.Text!, hash.Text!, url.Description, hash.Description, out reason);
    }

    /// <summary>Validates a host's record of an installed object (same rules as desired.s3).</summary>
    public static S3Object? FromRecord(string url, string hash, out string? reason) =>
        FromText(url, hash, Quote(url), Quote(hash), out reason);

    private static S3Object? FromText(string url, string hash, string urlDescription, string hashDescription, out string? reason)
    {
        reason = UrlProblem(url);
        if (reason != null)
        {
            reason = "invalid s3 url " + (url.Length > MaximumUrlLength ? "of " + url.Length + " characters" : urlDescription) + ": " + reason;
            return null;
        }

        var normalised = NormalisedHash(hash);
        if (normalised == null)
        {
            reason = "invalid s3 hash " + hashDescription + ": expected 64 hex digits (SHA-256)";
            return null;
        }

        var slash = url.IndexOf('/', UrlScheme.Length);
        return new S3Object(url, url.Substring(UrlScheme.Length, slash - UrlScheme.Length), url.Substring(slash + 1), normalised, hash);
    }

    /// <returns>What is wrong with the URL, or null.</returns>
    private static string? UrlProblem(string url)
    {
        if (url.Length > MaximumUrlLength)
        {
            return "longer than " + MaximumUrlLength + " characters";
        }

        if (!AgentText.StartsWith(url, UrlScheme))
        {
            return "expected s3://bucket/key";
        }

        var slash = url.IndexOf('/', UrlScheme.Length);
        if (slash < 0)
        {
            return "no key after the bucket: expected s3://bucket/key";
        }

        var bucketProblem = BucketProblem(url.Substring(UrlScheme.Length, slash - UrlScheme.Length));
        if (bucketProblem != null)
        {
            return "the bucket name " + bucketProblem;
        }

        return KeyProblem(url.Substring(slash + 1));
    }

    /// <summary>S3's general purpose bucket naming rules.</summary>
    /// <returns>What is wrong with the name, or null.</returns>
    public static string? BucketProblem(string bucket)
    {
        if (bucket.Length < MinimumBucketLength || bucket.Length > MaximumBucketLength)
        {
            return "must be " + MinimumBucketLength + " to " + MaximumBucketLength + " characters long";
        }

        var dots = 0;
        var onlyDigitsAndDots = true;
        for (var i = 0; i < bucket.Length; i++)
        {
            var c = bucket[i];
            var digit = c >= '0' && c <= '9';
            if (!(digit || (c >= 'a' && c <= 'z') || c == '.' || c == '-'))
            {
                return "may hold only lowercase letters, digits, '.' and '-'";
            }

            if (c == '.')
            {
                dots++;
                if (i > 0 && bucket[i - 1] == '.')
                {
                    return "must not contain \"..\"";
                }
            }
            else if (!digit)
            {
                onlyDigitsAndDots = false;
            }
        }

        if (!IsLetterOrDigit(bucket[0]) || !IsLetterOrDigit(bucket[bucket.Length - 1]))
        {
            return "must begin and end with a letter or digit";
        }

        if (onlyDigitsAndDots && dots == 3)
        {
            return "must not be formatted as an IP address";
        }

        for (var i = 0; i < ReservedBucketPrefixes.Length; i++)
        {
            if (AgentText.StartsWith(bucket, ReservedBucketPrefixes[i]))
            {
                return "must not start with the reserved prefix \"" + ReservedBucketPrefixes[i] + "\"";
            }
        }

        for (var i = 0; i < ReservedBucketSuffixes.Length; i++)
        {
            if (EndsWith(bucket, ReservedBucketSuffixes[i]))
            {
                return "must not end with the reserved suffix \"" + ReservedBucketSuffixes[i] + "\"";
            }
        }

        return null;
    }

    /// <summary>The key names the installed file, so it must be a safe relative path on any host.</summary>
    /// <returns>What is wrong with the key, or null.</returns>
    public static string? KeyProblem(string key)
    {
        if (key.Length == 0)
        {
            return "the key is empty: expected s3://bucket/key";
        }

        if (key[0] == '/')
        {
            return "the key must not start with '/'";
        }

        var bytes = 0;
        var segmentStart = 0;
        for (var i = 0; i <= key.Length; i++)
        {
            if (i == key.Length || key[i] == '/')
            {
                var length = i - segmentStart;
                if (length == 0)
                {
                    return "the key must not contain an empty path segment (\"//\" or a trailing '/')";
                }

                if ((length == 1 && key[segmentStart] == '.') || (length == 2 && key[segmentStart] == '.' && key[segmentStart + 1] == '.'))
                {
                    return "the key must not contain a \".\" or \"..\" path segment";
                }

                segmentStart = i + 1;
                if (i == key.Length)
                {
                    break;
                }
            }

            var c = key[i];
            if (AgentText.IsControl(c) || c == '\\')
            {
                return "the key must not contain control characters or '\\'";
            }

            // UTF-8 length: a surrogate pair is 4 bytes, 2 per half.
            bytes += c < '\u0080' ? 1 : c < '\u0800' ? 2 : (c >= '\uD800' && c <= '\uDFFF') ? 2 : 3;
        }

        if (bytes > MaximumKeyBytes)
        {
            return "the key is longer than " + MaximumKeyBytes + " bytes";
        }

        return null;
    }

    /// <returns>The hash in lowercase, or null when it is not 64 hexadecimal digits.</returns>
    public static string? NormalisedHash(string hash)
    {
        if (hash.Length != HashLength)
        {
            return null;
        }

        var chars = new char[HashLength];
        for (var i = 0; i < HashLength; i++)
        {
            var c = hash[i];
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
            {
                chars[i] = c;
            }
            else if (c >= 'A' && c <= 'F')
            {
                chars[i] = (char)(c - 'A' + 'a');
            }
            else
            {
                return null;
            }
        }

        return new string(chars, 0, HashLength);
    }

    /// <summary>Text quoted in a reason: cut, control characters replaced (as values are described).</summary>
    private static string Quote(string text)
    {
        var max = ShadowMessageDecoder.MaximumValueTextLength;
        return "\"" + AgentText.Safe(AgentText.Cut(text, max), max) + (text.Length > max ? "..." : "") + "\"";
    }

    private static bool IsLetterOrDigit(char c) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

    private static bool EndsWith(string text, string suffix)
    {
        if (suffix.Length > text.Length)
        {
            return false;
        }

        var offset = text.Length - suffix.Length;
        for (var i = 0; i < suffix.Length; i++)
        {
            if (text[offset + i] != suffix[i])
            {
                return false;
            }
        }

        return true;
    }
}
