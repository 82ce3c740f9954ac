using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DeviceFirmware.Cloud;

namespace LocalIotCore.S3;

/// <summary>
/// The payload of a <c>Content-Encoding: aws-chunked</c> body (S3 API reference, "Signature calculations
/// for the Authorization header: transferring payload in multiple chunks"): chunks of
/// <c>hex-size[;chunk-signature=sig]\r\n data \r\n</c>, a zero-size chunk, then trailer lines
/// (<c>x-amz-checksum-crc32:...</c>) and an empty line. AWSSDK.S3 4.x sends a PutObject as
/// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (signed chunks and a CRC-32 trailer) or, unsigned,
/// STREAMING-UNSIGNED-PAYLOAD-TRAILER; older clients STREAMING-AWS4-HMAC-SHA256-PAYLOAD.
/// Chunk signatures ARE verified when a signing key is given (each chains on the previous one, seeded
/// with the request's signature); the trailer's own signature (…-PAYLOAD-TRAILER) is not. Trailers are
/// collected in <see cref="Trailers"/> for the caller to check the checksum.
/// </summary>
internal sealed class AwsChunkedStream : ForwardReadStream
{
    private const int MaximumLineBytes = 4096;
    private readonly Stream _inner;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly ChunkSignatureChain? _signatures;
    private int _start;
    private int _end;
    private long _chunkRemaining;
    private bool _done;
    private string? _chunkSignature;
    private IncrementalHash? _chunkHash;

    public AwsChunkedStream(Stream inner, ChunkSignatureChain? signatures)
    {
        _inner = inner;
        _signatures = signatures;
    }

    /// <summary>The trailer headers, lowercase names, after the whole body was read.</summary>
    public Dictionary<string, string> Trailers { get; } = new(StringComparer.Ordinal);

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (!_done && _chunkRemaining == 0)
        {
            await NextChunkAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_done || destination.Length == 0)
        {
            return 0;
        }

        if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidDataException("The aws-chunked body ended inside a chunk.");
        }

        var count = (int)Math.Min(Math.Min(destination.Length, _end - _start), _chunkRemaining);
        _buffer.AsMemory(_start, count).CopyTo(destination);
        _chunkHash?.AppendData(_buffer, _start, count);
        _start += count;
        _chunkRemaining -= count;
        if (_chunkRemaining == 0)
        {
            if (await ReadLineAsync(cancellationToken).ConfigureAwait(false) != "")
            {
                throw new InvalidDataException("An aws-chunked chunk is longer than its size says.");
            }

            VerifyChunk();
        }

        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _chunkHash?.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task NextChunkAsync(CancellationToken cancellationToken)
    {
        var header = await ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new InvalidDataException("The aws-chunked body ended before its last chunk.");
        var semicolon = header.IndexOf(';', StringComparison.Ordinal);
        var sizeText = semicolon < 0 ? header : header[..semicolon];
        if (!long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
        {
            throw new InvalidDataException("Not an aws-chunked chunk header: " + header);
        }

        const string signatureField = "chunk-signature=";
        _chunkSignature = semicolon >= 0 && header.AsSpan(semicolon + 1).StartsWith(signatureField, StringComparison.Ordinal) ? header[(semicolon + 1 + signatureField.Length)..] : null;
        if (_signatures is not null)
        {
            _chunkHash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }

        if (size > 0)
        {
            _chunkRemaining = size;
            return;
        }

        VerifyChunk(); // the final, empty chunk is signed too
        while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is string trailer && trailer.Length > 0)
        {
            var colon = trailer.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                Trailers[trailer[..colon].Trim().ToLowerInvariant()] = trailer[(colon + 1)..].Trim();
            }
        }

        _done = true;
    }

    private void VerifyChunk()
    {
        if (_signatures is null)
        {
            return;
        }

        var hash = SigV4.Hex(_chunkHash!.GetHashAndReset());
        if (_chunkSignature is null || !_signatures.Verify(hash, _chunkSignature))
        {
            throw new ChunkSignatureMismatchException();
        }
    }

    /// <summary>The next CRLF-terminated line (without it), or null at the end of the body.</summary>
    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return line.Length == 0 ? null : throw new InvalidDataException("The aws-chunked body ended inside a line.");
            }

            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var stop = newline < 0 ? _end : newline;
            line.Append(Encoding.ASCII.GetString(_buffer, _start, stop - _start));
            _start = newline < 0 ? _end : newline + 1;
            if (line.Length > MaximumLineBytes)
            {
                throw new InvalidDataException("An aws-chunked header line is too long.");
            }

            if (newline >= 0)
            {
                return line.Length > 0 && line[^1] == '\r' ? line.ToString(0, line.Length - 1) : line.ToString();
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await _inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        return _end > 0;
    }
}

/// <summary>STREAMING-AWS4-HMAC-SHA256-PAYLOAD's chain: each chunk's signature covers the previous one and the chunk's hash.</summary>
internal sealed class ChunkSignatureChain(byte[] signingKey, string amzDate, string scope, string seedSignature)
{
    private string _previous = seedSignature;

    public bool Verify(string chunkHashHex, string signature)
    {
        var stringToSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + _previous + "\n" + SigV4.EmptyPayloadHash + "\n" + chunkHashHex;
        var expected = SigV4.Signature(signingKey, stringToSign);
        _previous = expected;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature));
    }
}

internal sealed class ChunkSignatureMismatchException : Exception
{
    public ChunkSignatureMismatchException()
        : base("An aws-chunked chunk's signature does not match.")
    {
    }

    public ChunkSignatureMismatchException(string message)
        : base(message)
    {
    }

    public ChunkSignatureMismatchException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
