using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using EdgeProxy.Buffers;
using EdgeProxy.Http;

namespace EdgeProxy.Tests.Http;

/// <summary>
/// A forwarded head and its Content-Length body share one buffer of the client's output when it was reserved for
/// both, over a pipe set up as Kestrel sets up a connection's output (the gateway's pool, 4 KiB minimum segments).
/// </summary>
public sealed class ResponseReservationTests
{
    private static readonly byte[] Head = new byte[300];

    [Fact]
    public async Task A_16_KiB_body_goes_out_in_one_buffer_with_its_head()
    {
        var buffer = await WriteAsync(16 * 1024, reserve: true);
        Assert.True(buffer.IsSingleSegment, "head and body span segments");
        Assert.Equal(BlockMemoryPool.BlockSize, BlockLength(buffer));
    }

    [Fact]
    public async Task Without_the_reservation_the_head_takes_a_small_block_and_the_body_spills()
    {
        var buffer = await WriteAsync(16 * 1024, reserve: false);
        Assert.False(buffer.IsSingleSegment);
    }

    [Fact]
    public async Task A_small_body_keeps_a_small_block()
    {
        var buffer = await WriteAsync(13, reserve: true);
        Assert.True(buffer.IsSingleSegment);
        Assert.Equal(BlockMemoryPool.SmallBlockSize, BlockLength(buffer));
    }

    private static async Task<ReadOnlySequence<byte>> WriteAsync(int bodyLength, bool reserve)
    {
        var pipe = new Pipe(new PipeOptions(BlockMemoryPool.Instance, minimumSegmentSize: BlockMemoryPool.SmallBlockSize,
            pauseWriterThreshold: 0, useSynchronizationContext: false));
        if (reserve)
        {
            ClientResponseWriter.ReserveHeadAndBody(pipe.Writer, Head.Length, bodyLength);
        }

        var head = new HeadWriter(pipe.Writer);
        head.Write(Head);
        head.Commit();
        pipe.Writer.Write(new byte[bodyLength]);
        await pipe.Writer.FlushAsync();
        var read = await pipe.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Head.Length + bodyLength, read.Buffer.Length);
        return read.Buffer;
    }

    private static int BlockLength(in ReadOnlySequence<byte> buffer)
    {
        Assert.True(MemoryMarshal.TryGetArray(buffer.First, out var segment));
        return segment.Array!.Length;
    }
}
