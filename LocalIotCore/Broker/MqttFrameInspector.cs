using System.Text;

namespace LocalIotCore.Broker;

/// <summary>Why the inspector stopped a connection.</summary>
public sealed class MqttInputRefusedException(RefusalKind kind, string message) : IOException(message)
{
    public RefusalKind Kind { get; } = kind;
}

/// <summary>
/// Follows the MQTT framing of the bytes a client sends, before MQTTnet reads them, and stops the
/// connection at the first byte that breaks a limit: a packet longer than <see cref="MaximumPacketBytes"/>
/// is refused as soon as its length field is read (AWS caps a message at 128 KB and disconnects the
/// client; refusing at the length means the body is never read or allocated), and a topic name or
/// filter that is not well-formed UTF-8 or holds U+0000 closes the connection (MQTT 3.1.1 section
/// 1.5.3; MQTT 5 section 1.5.4). Pure: bytes in, an exception out; no I/O.
/// </summary>
public sealed class MqttFrameInspector(int maximumPacketBytes)
{
    private const int Connect = 1;
    private const int Publish = 3;
    private const int Subscribe = 8;
    private const int Unsubscribe = 10;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private State _state = State.Header;
    private int _type;
    private int _lengthBytes;
    private int _multiplier;
    private int _length;
    private int _remaining;
    private byte[]? _captured;
    private int _capturedCount;
    private int _protocolLevel = 4;
    private bool _topicSized;

    private enum State
    {
        Header,
        Length,
        Body,
    }

    public int MaximumPacketBytes { get; } = maximumPacketBytes;

    /// <summary>Whole packets seen so far (the first one is the CONNECT).</summary>
    public long CompletePackets { get; private set; }

    public void Inspect(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_state)
            {
                case State.Header:
                    _type = bytes[i++] >> 4;
                    _state = State.Length;
                    _lengthBytes = 0;
                    _multiplier = 1;
                    _length = 0;
                    break;
                case State.Length:
                    var b = bytes[i++];
                    _length += (b & 0x7F) * _multiplier;
                    _multiplier *= 128;
                    if (++_lengthBytes > 4)
                    {
                        throw new MqttInputRefusedException(RefusalKind.MalformedPacket, "the remaining length of a packet is longer than 4 bytes");
                    }

                    if ((b & 0x80) == 0)
                    {
                        StartBody();
                    }

                    break;
                default:
                    var take = Math.Min(_remaining, bytes.Length - i);
                    Capture(bytes.Slice(i, take));
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        EndPacket();
                    }

                    break;
            }
        }
    }

    private void StartBody()
    {
        if (_length > MaximumPacketBytes)
        {
            throw new MqttInputRefusedException(RefusalKind.OversizedPacket, "a packet of " + _length + " bytes is larger than the " + MaximumPacketBytes + "-byte limit");
        }

        _remaining = _length;
        _capturedCount = 0;
        _topicSized = false;
        _captured = _type switch
        {
            Subscribe or Unsubscribe => new byte[_length],
            Connect when CompletePackets == 0 => new byte[Math.Min(_length, 16)],
            Publish => new byte[Math.Min(_length, 2)],
            _ => null,
        };
        _state = State.Body;
        if (_remaining == 0)
        {
            EndPacket();
        }
    }

    private void Capture(ReadOnlySpan<byte> chunk)
    {
        if (_captured is null)
        {
            return;
        }

        var room = _captured.Length - _capturedCount;
        if (room > 0)
        {
            var copied = Math.Min(room, chunk.Length);
            chunk[..copied].CopyTo(_captured.AsSpan(_capturedCount));
            _capturedCount += copied;
            chunk = chunk[copied..];
        }

        if (_type == Publish && _capturedCount == _captured.Length)
        {
            if (!_topicSized)
            {
                if (_captured.Length < 2)
                {
                    return; // Shorter than a topic length field: MQTTnet refuses it as malformed.
                }

                // The topic's length is known: capture the topic itself next.
                _topicSized = true;
                var topicLength = (_captured[0] << 8) | _captured[1];
                if (topicLength > _length - 2)
                {
                    throw new MqttInputRefusedException(RefusalKind.MalformedPacket, "a PUBLISH topic is longer than its packet");
                }

                if (topicLength > 0)
                {
                    var topic = new byte[2 + topicLength];
                    topic[0] = _captured[0];
                    topic[1] = _captured[1];
                    _captured = topic;
                    Capture(chunk);
                    return;
                }
            }

            CheckTopic(_captured.AsSpan(2), "topic name");
            _captured = null;
        }
    }

    private void EndPacket()
    {
        if (_captured is not null)
        {
            switch (_type)
            {
                case Connect:
                    ReadProtocolLevel(_captured.AsSpan(0, _capturedCount));
                    break;
                case Publish:
                    // Shorter than its topic field: MQTTnet refuses it as malformed.
                    break;
                default:
                    CheckFilters(_captured);
                    break;
            }
        }

        _captured = null;
        CompletePackets++;
        _state = State.Header;
    }

    private void ReadProtocolLevel(ReadOnlySpan<byte> body)
    {
        if (body.Length >= 2)
        {
            var nameLength = (body[0] << 8) | body[1];
            if (body.Length > 2 + nameLength)
            {
                _protocolLevel = body[2 + nameLength];
            }
        }
    }

    private void CheckFilters(ReadOnlySpan<byte> body)
    {
        // Packet identifier, then (MQTT 5) properties, then the filters: each a length-prefixed string,
        // followed in SUBSCRIBE by an options byte.
        var at = 2;
        if (_protocolLevel >= 5)
        {
            var propertiesLength = 0;
            var multiplier = 1;
            while (at < body.Length)
            {
                var b = body[at++];
                propertiesLength += (b & 0x7F) * multiplier;
                multiplier *= 128;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            at += propertiesLength;
        }

        while (at + 2 <= body.Length)
        {
            var length = (body[at] << 8) | body[at + 1];
            at += 2;
            if (at + length > body.Length)
            {
                return; // Malformed: MQTTnet refuses it.
            }

            CheckTopic(body.Slice(at, length), "topic filter");
            at += length + (_type == Subscribe ? 1 : 0);
        }
    }

    private static void CheckTopic(ReadOnlySpan<byte> utf8, string what)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw new MqttInputRefusedException(RefusalKind.InvalidTopic, "a " + what + " that is not well-formed UTF-8");
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new MqttInputRefusedException(RefusalKind.InvalidTopic, "a " + what + " with U+0000 ('" + text.Replace("\0", "\\0", StringComparison.Ordinal) + "')");
        }
    }
}
