using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// A byte-level HTTP/1.1 client over one TCP connection, for tests where the wire matters: send exactly these
/// bytes, read exactly one response with its framing, see whether the connection was closed.
/// </summary>
public sealed class RawClient : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public RawClient(IPEndPoint endpoint)
    {
        _tcp = new TcpClient(endpoint.AddressFamily) { NoDelay = true };
        _tcp.Connect(endpoint);
        _stream = _tcp.GetStream();
    }

    public NetworkStream Stream => _stream;

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes).AsTask().WaitAsync(DefaultTimeout);

    /// <summary>Reads one response; HEAD responses and 1xx/204/304 have no body.</summary>
    public async Task<RawResponse> ReadResponseAsync(bool headRequest = false, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var statusLine = await ReadLineAsync(cts.Token) ?? throw new IOException("connection closed before a response");
        var headers = new List<KeyValuePair<string, string>>();
        while (true)
        {
            var line = await ReadLineAsync(cts.Token) ?? throw new IOException("connection closed inside the head");
            if (line.Length == 0)
            {
                break;
            }

            var colon = line.IndexOf(':');
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }

        var response = new RawResponse { StatusLine = statusLine, Headers = headers, Body = [] };
        var status = response.Status;
        if (headRequest || status < 200 || status == 204 || status == 304)
        {
            return response;
        }

        byte[] body;
        if (response.Header("Transfer-Encoding") is { } te)
        {
            Assert.Equal("chunked", te);
            using var ms = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync(cts.Token) ?? throw new IOException("closed in chunked body");
                var size = Convert.ToInt32(sizeLine.Split(';')[0], 16);
                if (size == 0)
                {
                    while ((await ReadLineAsync(cts.Token))?.Length > 0)
                    {
                    }

                    break;
                }

                ms.Write(await ReadExactlyAsync(size, cts.Token));
                Assert.Equal("", await ReadLineAsync(cts.Token));
            }

            body = ms.ToArray();
        }
        else if (response.Header("Content-Length") is { } cl)
        {
            body = await ReadExactlyAsync(int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture), cts.Token);
        }
        else
        {
            body = await ReadToEndAsync(cts.Token);
        }

        return new RawResponse { StatusLine = statusLine, Headers = headers, Body = body };
    }

    /// <summary>True when the server closed the connection (read returns 0) within the timeout.</summary>
    public async Task<bool> IsClosedAsync(TimeSpan? timeout = null)
    {
        if (_start < _end)
        {
            return false;
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        try
        {
            var n = await _stream.ReadAsync(_buffer, cts.Token);
            if (n == 0)
            {
                return true;
            }

            _start = 0;
            _end = n;
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async Task<string?> ReadLineAsync(CancellationToken token)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(token))
            {
                return line.Length == 0 ? null : line.ToString();
            }

            var b = _buffer[_start++];
            if (b == '\n')
            {
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line.Length--;
                }

                return line.ToString();
            }

            line.Append((char)b);
        }
    }

    public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken token)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_start == _end && !await FillAsync(token))
            {
                throw new IOException($"connection closed after {filled} of {count} body bytes");
            }

            var n = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, result, filled, n);
            _start += n;
            filled += n;
        }

        return result;
    }

    private async Task<byte[]> ReadToEndAsync(CancellationToken token)
    {
        using var ms = new MemoryStream();
        while (_start < _end || await FillAsync(token))
        {
            ms.Write(_buffer, _start, _end - _start);
            _start = _end;
        }

        return ms.ToArray();
    }

    private async Task<bool> FillAsync(CancellationToken token)
    {
        int n;
        try
        {
            n = await _stream.ReadAsync(_buffer, token);
        }
        catch (IOException)
        {
            return false;
        }

        _start = 0;
        _end = n;
        return n > 0;
    }

    public void Dispose() => _tcp.Dispose();
}
