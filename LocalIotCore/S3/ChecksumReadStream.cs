using System.Buffers.Binary;
using System.Security.Cryptography;

namespace LocalIotCore.S3;

/// <summary>
/// Passes a body through while computing the flexible checksums S3 checks (x-amz-checksum-crc32,
/// -crc32c, -sha1, -sha256: base64 of the big-endian value or digest), so that a PutObject whose header
/// or aws-chunked trailer names one is refused with BadDigest when the bytes differ. CRC-64/NVME is not
/// computed (such a trailer is not checked).
/// </summary>
internal sealed class ChecksumReadStream : ForwardReadStream
{
    public static readonly string[] Algorithms = ["crc32", "crc32c", "sha1", "sha256"];

    private static readonly uint[] Crc32Table = Table(0xEDB88320u);
    private static readonly uint[] Crc32CTable = Table(0x82F63B78u);

    private readonly Stream _inner;
    private readonly IncrementalHash _sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private uint _crc32 = 0xFFFFFFFFu;
    private uint _crc32C = 0xFFFFFFFFu;

    public ChecksumReadStream(Stream inner) => _inner = inner;

    /// <summary>The checksum of everything read so far, as S3's x-amz-checksum-ALGORITHM header carries it.</summary>
    public string Base64(string algorithm)
    {
        Span<byte> crc = stackalloc byte[4];
        switch (algorithm)
        {
            case "crc32":
                BinaryPrimitives.WriteUInt32BigEndian(crc, ~_crc32);
                return Convert.ToBase64String(crc);
            case "crc32c":
                BinaryPrimitives.WriteUInt32BigEndian(crc, ~_crc32C);
                return Convert.ToBase64String(crc);
            case "sha1":
                return Convert.ToBase64String(_sha1.GetCurrentHash());
            case "sha256":
                return Convert.ToBase64String(_sha256.GetCurrentHash());
            default:
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not a checksum this stream computes.");
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        var data = buffer.Span[..read];
        _sha1.AppendData(data);
        _sha256.AppendData(data);
        _crc32 = Update(Crc32Table, _crc32, data);
        _crc32C = Update(Crc32CTable, _crc32C, data);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha1.Dispose();
            _sha256.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The reflected CRC-32 table of a polynomial (IEEE 802.3: 0xEDB88320; Castagnoli: 0x82F63B78).</summary>
    private static uint[] Table(uint polynomial)
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? polynomial ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }

    private static uint Update(uint[] table, uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }
}
