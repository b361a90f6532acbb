using System.Buffers.Text;
using System.Text;
using EdgeProxy.LoadTests.Scenarios;

namespace EdgeProxy.LoadTests.Http;

/// <summary>
/// A step's request compiled to bytes once: a fully constant request is sent from one array; otherwise the parts
/// are copied into the worker's buffer with the iteration's feed values (no strings on the request path).
/// </summary>
internal sealed class RequestTemplate
{
    private readonly Part[] _head;
    private readonly Part[] _afterLength;
    private readonly Part[] _body;
    private readonly bool _hasBody;

    public RequestTemplate(StepConfig step, TargetAddress target, bool keepAlive, string? extraHeaders = null)
    {
        HeadRequest = step.Method == "HEAD";
        var head = new List<Part>();
        Add(head, $"{step.Method} {target.BasePath}");
        AddTemplate(head, step.Path);
        Add(head, $" HTTP/1.1\r\nHost: {target.HostHeader}\r\n");
        if (!keepAlive)
        {
            Add(head, "Connection: close\r\n");
        }

        if (extraHeaders is not null)
        {
            Add(head, extraHeaders);
        }

        foreach (var (name, value) in step.Headers)
        {
            Add(head, name + ": ");
            AddTemplate(head, value);
            Add(head, "\r\n");
        }

        var body = new List<Part>();
        if (step.Body is not null)
        {
            AddTemplate(body, step.Body);
        }
        else if (step.BodyBytes is not null)
        {
            body.Add(new Part(step.BodyBytes, -1, -1));
        }

        _hasBody = step.Body is not null || step.BodyBytes is not null;
        if (_hasBody)
        {
            Add(head, "Content-Length: ");
        }

        _head = Merge(head);
        _afterLength = Merge([new Part(Encoding.ASCII.GetBytes(_hasBody ? "\r\n\r\n" : "\r\n"), -1, -1)]);
        _body = Merge(body);
        if (_head.All(p => p.Literal is not null) && _body.All(p => p.Literal is not null))
        {
            var scratch = Array.Empty<byte>();
            Constant = RenderCore(null, ref scratch).ToArray();
        }
    }

    public bool HeadRequest { get; }

    /// <summary>The whole request when it has no placeholders; null when it must be rendered per iteration.</summary>
    public byte[]? Constant { get; }

    /// <summary>Renders into <paramref name="scratch"/> (grown when needed) and returns the request bytes.</summary>
    public ReadOnlyMemory<byte> Render(IterationContext context, ref byte[] scratch) => Constant ?? RenderCore(context, ref scratch);

    private ReadOnlyMemory<byte> RenderCore(IterationContext? context, ref byte[] scratch)
    {
        var bodyLength = Measure(_body, context);
        var size = Measure(_head, context) + Measure(_afterLength, context) + bodyLength + 20;
        if (scratch.Length < size)
        {
            scratch = new byte[Math.Max(size, scratch.Length * 2)];
        }

        var written = Write(_head, context, scratch, 0);
        if (_hasBody)
        {
            Utf8Formatter.TryFormat(bodyLength, scratch.AsSpan(written), out var digits);
            written += digits;
        }

        written = Write(_afterLength, context, scratch, written);
        written = Write(_body, context, scratch, written);
        return scratch.AsMemory(0, written);
    }

    private static int Measure(Part[] parts, IterationContext? context)
    {
        var total = 0;
        foreach (var part in parts)
        {
            total += part switch
            {
                { Literal: { } literal } => literal.Length,
                { Feed: >= 0 } => context!.Feeds[part.Feed].Values[context.Rows[part.Feed]][part.Column].Length,
                _ => Digits(part.Column == (int)TemplatePartKind.VirtualUser ? context!.VirtualUser : context!.Iteration),
            };
        }

        return total;
    }

    private static int Digits(long value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private static int Write(Part[] parts, IterationContext? context, byte[] target, int offset)
    {
        foreach (var part in parts)
        {
            if (part.Literal is { } literal)
            {
                literal.CopyTo(target, offset);
                offset += literal.Length;
            }
            else if (part.Feed >= 0)
            {
                var value = context!.Feeds[part.Feed].Values[context.Rows[part.Feed]][part.Column];
                value.CopyTo(target, offset);
                offset += value.Length;
            }
            else
            {
                long number = part.Column == (int)TemplatePartKind.VirtualUser ? context!.VirtualUser : context!.Iteration;
                Utf8Formatter.TryFormat(number, target.AsSpan(offset), out var written);
                offset += written;
            }
        }

        return offset;
    }

    private static void Add(List<Part> parts, string literal) => parts.Add(new Part(Encoding.UTF8.GetBytes(literal), -1, -1));

    private static void AddTemplate(List<Part> parts, TextTemplate template)
    {
        foreach (var part in template.Parts)
        {
            parts.Add(part.Kind switch
            {
                TemplatePartKind.Literal => new Part(Encoding.UTF8.GetBytes(part.Literal), -1, -1),
                TemplatePartKind.Feed => new Part(null, part.Feed, part.Column),
                _ => new Part(null, -1, (int)part.Kind),
            });
        }
    }

    /// <summary>Joins adjacent literals, so a constant head is one copy.</summary>
    private static Part[] Merge(List<Part> parts)
    {
        var merged = new List<Part>();
        foreach (var part in parts)
        {
            if (part.Literal is { } literal && merged.Count > 0 && merged[^1].Literal is { } previous)
            {
                merged[^1] = new Part([.. previous, .. literal], -1, -1);
            }
            else if (part.Literal is not { Length: 0 })
            {
                merged.Add(part);
            }
        }

        return [.. merged];
    }

    /// <summary>A literal, a feed column, or (Literal null, Feed -1) a built-in numbered by Column.</summary>
    private readonly record struct Part(byte[]? Literal, int Feed, int Column);
}
