using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text;

namespace EdgeProxy.Http;

/// <summary>
/// Writes a message head straight into a <see cref="PipeWriter"/>'s memory: spans are copied into the
/// writer's current buffer and committed once, so a head costs no intermediate buffer.
/// </summary>
internal ref struct HeadWriter
{
    private readonly PipeWriter _writer;
    private Span<byte> _span;
    private int _buffered;

    public HeadWriter(PipeWriter writer)
    {
        _writer = writer;
        _span = writer.GetSpan(4096);
        _buffered = 0;
    }

    public void Write(scoped ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= _span.Length - _buffered)
        {
            bytes.CopyTo(_span[_buffered..]);
            _buffered += bytes.Length;
            return;
        }

        WriteSlow(bytes);
    }

    public void WriteAscii(string text)
    {
        Ensure(text.Length);
        _buffered += Encoding.ASCII.GetBytes(text, _span[_buffered..]);
    }

    public void WriteByte(byte b)
    {
        Ensure(1);
        _span[_buffered++] = b;
    }

    public void WriteCrlf()
    {
        Ensure(2);
        _span[_buffered] = (byte)'\r';
        _span[_buffered + 1] = (byte)'\n';
        _buffered += 2;
    }

    public void WriteDecimal(long value)
    {
        Ensure(20);
        Utf8Formatter.TryFormat(value, _span[_buffered..], out var written);
        _buffered += written;
    }

    public void WriteHex(long value)
    {
        Ensure(16);
        Utf8Formatter.TryFormat(value, _span[_buffered..], out var written, new StandardFormat('x'));
        _buffered += written;
    }

    /// <summary>Writes <c>name: value\r\n</c>.</summary>
    public void WriteHeader(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
    {
        Write(name);
        Write(": "u8);
        Write(value);
        WriteCrlf();
    }

    public void Commit()
    {
        if (_buffered > 0)
        {
            _writer.Advance(_buffered);
            _buffered = 0;
            _span = default;
        }
    }

    private void Ensure(int count)
    {
        if (_span.Length - _buffered < count)
        {
            Flip(count);
        }
    }

    private void Flip(int count)
    {
        _writer.Advance(_buffered);
        _buffered = 0;
        _span = _writer.GetSpan(Math.Max(count, 4096));
    }

    private void WriteSlow(scoped ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_span.Length == _buffered)
            {
                Flip(1);
            }

            var n = Math.Min(bytes.Length, _span.Length - _buffered);
            bytes[..n].CopyTo(_span[_buffered..]);
            _buffered += n;
            bytes = bytes[n..];
        }
    }
}
