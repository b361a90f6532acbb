using System.Text;
using EdgeProxy.Http;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Routing;

/// <summary>A route's header edits compiled to bytes: names to drop from the message, lines to append.</summary>
internal sealed class HeaderTransform
{
    public static readonly HeaderTransform Empty = new([], []);

    private HeaderTransform(byte[][] remove, (byte[] Name, byte[] Value)[] append)
    {
        Remove = remove;
        Append = append;
    }

    /// <summary>Removed names, including every <c>set</c> name (set = remove + append).</summary>
    public byte[][] Remove { get; }

    public (byte[] Name, byte[] Value)[] Append { get; }

    public bool IsEmpty => Remove.Length == 0 && Append.Length == 0;

    public static HeaderTransform Compile(HeaderTransformConfig config)
    {
        if (config.Set.Count == 0 && config.Add.Count == 0 && config.Remove.Count == 0)
        {
            return Empty;
        }

        var remove = new List<byte[]>();
        var append = new List<(byte[], byte[])>();
        foreach (var name in config.Remove)
        {
            remove.Add(Encoding.ASCII.GetBytes(name));
        }

        foreach (var header in config.Set)
        {
            remove.Add(Encoding.ASCII.GetBytes(header.Name));
            append.Add((Encoding.ASCII.GetBytes(header.Name), Encoding.UTF8.GetBytes(header.Value)));
        }

        foreach (var header in config.Add)
        {
            append.Add((Encoding.ASCII.GetBytes(header.Name), Encoding.UTF8.GetBytes(header.Value)));
        }

        return new HeaderTransform([.. remove], [.. append]);
    }

    /// <summary>This transform plus headers the gateway itself sets (replacing any the upstream sent under those names).</summary>
    public HeaderTransform WithSet((byte[] Name, byte[] Value)[] set)
    {
        if (set.Length == 0)
        {
            return this;
        }

        var remove = new List<byte[]>(Remove);
        var append = new List<(byte[], byte[])>(Append);
        foreach (var header in set)
        {
            remove.Add(header.Name);
            append.Add(header);
        }

        return new HeaderTransform([.. remove], [.. append]);
    }

    public bool Removes(ReadOnlySpan<byte> name)
    {
        foreach (var candidate in Remove)
        {
            if (candidate.Length == name.Length && Ascii.EqualsIgnoreCase(candidate, name))
            {
                return true;
            }
        }

        return false;
    }

    public void WriteAppended(ref HeadWriter writer)
    {
        foreach (var (name, value) in Append)
        {
            writer.WriteHeader(name, value);
        }
    }
}
