using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EdgeProxy.Buffers;
using EdgeProxy.Upstreams;

namespace EdgeProxy.Http;

/// <summary>
/// Streams one message body from a source pipe to a destination pipe in constant memory: each read is written
/// and flushed before the next, so the pipes' back-pressure bounds what is held. Chunked input is decoded
/// strictly and re-framed on output, so a malformed chunk never reaches the other side.
/// </summary>
internal static class BodyCopier
{
    /// <summary>Most bytes moved per flush: what a connection holds in its output pipe stays bounded by this.</summary>
    private const int MaxSlice = 64 * 1024;

    /// <summary>What one receive straight into the destination asks for (a block of the upstream reader's size).</summary>
    private const int DirectReceiveSize = BlockMemoryPool.BlockSize;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<long> CopyAsync(PipeReader source, PipeWriter destination, BodyFraming framing, long contentLength,
        bool chunkedOut, long maxBytes, bool sourceIsClient, ExchangeTimer timer, TimerPhase phase, TimeSpan idleTimeout)
    {
        switch (framing)
        {
            case BodyFraming.None:
                if (chunkedOut)
                {
                    WriteLastChunk(destination);
                    await FlushAsync(destination, sourceIsClient, timer.Token);
                }

                return 0;
            case BodyFraming.ContentLength:
                return await CopyContentLengthAsync(source, destination, contentLength, chunkedOut, sourceIsClient, timer, phase, idleTimeout);
            case BodyFraming.Chunked:
                return await CopyChunkedAsync(source, destination, chunkedOut, maxBytes, sourceIsClient, timer, phase, idleTimeout);
            default:
                return await CopyUntilCloseAsync(source, destination, chunkedOut, sourceIsClient, timer, phase, idleTimeout);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> CopyContentLengthAsync(PipeReader source, PipeWriter destination, long length, bool chunkedOut,
        bool sourceIsClient, ExchangeTimer timer, TimerPhase phase, TimeSpan idleTimeout)
    {
        var remaining = length;
        while (remaining > 0)
        {
            timer.Arm(phase, idleTimeout);
            if (!chunkedOut && source is SocketReader upstream && upstream.IsDrained)
            {
                // An upstream's response body: received straight into the client's output buffer, behind the head when
                // the rest of the body fits in its block, so a response of up to a block goes out as one buffer.
                var memory = destination.GetMemory((int)Math.Min(remaining, DirectReceiveSize));
                var received = await upstream.ReceiveIntoAsync(memory[..(int)Math.Min(memory.Length, remaining)], timer.Token);
                if (received == 0)
                {
                    ThrowPrematureEnd(sourceIsClient);
                }

                destination.Advance(received);
                remaining -= received;
                await FlushAsync(destination, sourceIsClient, timer.Token);
                continue;
            }

            var result = await source.ReadAsync(timer.Token);
            var buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted)
            {
                ThrowPrematureEnd(sourceIsClient);
            }

            var slice = buffer.Slice(0, Math.Min(Math.Min(remaining, buffer.Length), MaxSlice));
            if (!chunkedOut && destination is SocketWriter upstreamOutput && upstreamOutput.UnflushedBytes == 0)
            {
                // A client's request body: sent to the upstream straight from the client's input buffer.
                if (!await upstreamOutput.SendDirectAsync(slice, timer.Token))
                {
                    throw new ProxyException(ProxyErrorKind.UpstreamReset, "upstream closed while receiving the request body");
                }

                remaining -= slice.Length;
                source.AdvanceTo(slice.End);
                continue;
            }

            WriteData(destination, slice, chunkedOut);
            remaining -= slice.Length;
            source.AdvanceTo(slice.End);
            if (remaining == 0 && chunkedOut)
            {
                WriteLastChunk(destination);
            }

            await FlushAsync(destination, sourceIsClient, timer.Token);
        }

        return length;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> CopyUntilCloseAsync(PipeReader source, PipeWriter destination, bool chunkedOut,
        bool sourceIsClient, ExchangeTimer timer, TimerPhase phase, TimeSpan idleTimeout)
    {
        long total = 0;
        while (true)
        {
            timer.Arm(phase, idleTimeout);
            var result = await source.ReadAsync(timer.Token);
            var buffer = result.Buffer;
            if (buffer.Length > MaxSlice)
            {
                buffer = buffer.Slice(0, MaxSlice);
                result = new ReadResult(buffer, isCanceled: false, isCompleted: false);
            }

            if (!buffer.IsEmpty)
            {
                WriteData(destination, buffer, chunkedOut);
                total += buffer.Length;
            }

            source.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                if (chunkedOut)
                {
                    WriteLastChunk(destination);
                }

                await FlushAsync(destination, sourceIsClient, timer.Token);
                return total;
            }

            await FlushAsync(destination, sourceIsClient, timer.Token);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> CopyChunkedAsync(PipeReader source, PipeWriter destination, bool chunkedOut, long maxBytes,
        bool sourceIsClient, ExchangeTimer timer, TimerPhase phase, TimeSpan idleTimeout)
    {
        var decoder = new ChunkedDecoder(sourceIsClient, maxBytes);
        while (true)
        {
            timer.Arm(phase, idleTimeout);
            var result = await source.ReadAsync(timer.Token);
            var buffer = result.Buffer;
            var consumed = decoder.Process(buffer, destination, chunkedOut);
            source.AdvanceTo(consumed, decoder.Done ? consumed : buffer.End);
            await FlushAsync(destination, sourceIsClient, timer.Token);
            if (decoder.Done)
            {
                return decoder.Total;
            }

            if (result.IsCompleted)
            {
                ThrowPrematureEnd(sourceIsClient);
            }
        }
    }

    /// <summary>
    /// The synchronous fast path: when the whole body is already buffered (the common case for small responses,
    /// which arrive with their head), copy it without entering an async method. False: use <see cref="CopyAsync"/>.
    /// </summary>
    public static bool TryCopyBuffered(PipeReader source, PipeWriter destination, BodyFraming framing, long contentLength, bool chunkedOut, out long copied)
    {
        copied = 0;
        if (framing == BodyFraming.None)
        {
            if (chunkedOut)
            {
                WriteLastChunk(destination);
            }

            return true;
        }

        if (framing != BodyFraming.ContentLength || !source.TryRead(out var result))
        {
            return false;
        }

        var buffer = result.Buffer;
        if (buffer.Length < contentLength)
        {
            source.AdvanceTo(buffer.Start);
            return false;
        }

        var body = buffer.Slice(0, contentLength);
        WriteData(destination, body, chunkedOut);
        if (chunkedOut)
        {
            WriteLastChunk(destination);
        }

        source.AdvanceTo(body.End);
        copied = contentLength;
        return true;
    }

    internal static void WriteData(PipeWriter destination, in ReadOnlySequence<byte> data, bool chunked)
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (chunked)
        {
            var head = new HeadWriter(destination);
            head.WriteHex(data.Length);
            head.WriteCrlf();
            head.Commit();
        }

        foreach (var segment in data)
        {
            destination.Write(segment.Span);
        }

        if (chunked)
        {
            destination.Write("\r\n"u8);
        }
    }

    internal static void WriteLastChunk(PipeWriter destination) => destination.Write("0\r\n\r\n"u8);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal static async ValueTask FlushAsync(PipeWriter destination, bool sourceIsClient, CancellationToken token)
    {
        var flush = await destination.FlushAsync(token);
        if (flush.IsCompleted || flush.IsCanceled)
        {
            // The destination went away: the upstream when the client is the source, the client otherwise.
            throw sourceIsClient
                ? new ProxyException(ProxyErrorKind.UpstreamReset, "upstream closed while receiving the request body")
                : new ProxyException(ProxyErrorKind.ClientAborted, "client closed while receiving the response") { ResponseStarted = true };
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    internal static void ThrowPrematureEnd(bool sourceIsClient)
    {
        if (sourceIsClient)
        {
            throw new ProxyException(ProxyErrorKind.ClientAborted, "client closed before the request body ended");
        }

        throw new ProxyException(ProxyErrorKind.UpstreamReset, "upstream closed before the response body ended") { ResponseStarted = true };
    }
}
