using System.Text;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>A response read off the wire by <see cref="RawClient"/>, with its framing as received.</summary>
public sealed class RawResponse
{
    public required string StatusLine { get; init; }

    public int Status => int.Parse(StatusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);

    public required List<KeyValuePair<string, string>> Headers { get; init; }

    public required byte[] Body { get; init; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public IEnumerable<string> HeaderValues(string name) => Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    public bool Has(string name) => Headers.Any(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
}
