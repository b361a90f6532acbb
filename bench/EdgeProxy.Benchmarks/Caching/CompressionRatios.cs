using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using EdgeProxy.Compression;
using K4os.Compression.LZ4;

namespace EdgeProxy.Benchmarks.Caching;

/// <summary>Sizes, not times (<c>--ratios</c>): what each codec and LZ4 entry storage make of the benchmarks' 64 KiB JSON body.</summary>
public static class CompressionRatios
{
    public static string Report()
    {
        var json = string.Concat(Enumerable.Range(0, 3000).Select(i => $"{{\"id\":{i},\"name\":\"item {i % 97}\",\"price\":{i * 7 % 1000}.{i % 100:00},\"tags\":[\"a\",\"b{i % 13}\"]}},"));
        var body = Encoding.ASCII.GetBytes(json)[..(64 * 1024)];
        var text = new StringBuilder("| encoding | bytes | ratio |\n|---|---|---|\n");
        var lz4 = new byte[LZ4Codec.MaximumOutputSize(body.Length)];
        Row(text, "LZ4 L00 (cache entry storage)", LZ4Codec.Encode(body, lz4, LZ4Level.L00_FAST), body.Length);
        foreach (var codec in new[] { ContentCodec.Brotli, ContentCodec.Zstd, ContentCodec.Gzip })
        {
            var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
            var writer = new CompressingBodyWriter();
            writer.Start(pipe.Writer, codec, chunked: false);
            body.CopyTo(writer.GetSpan(body.Length));
            writer.Advance(body.Length);
            writer.Finish();
            Row(text, $"{Encoding.ASCII.GetString(ContentCodecs.Token(codec))} (streaming, on-the-fly level)", (int)writer.BytesOut, body.Length);
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, int size, int original) =>
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"| {name} | {size} of {original} | {(double)size / original:P1} |\n");
}
