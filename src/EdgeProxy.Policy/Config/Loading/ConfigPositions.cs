using EdgeProxy.Policy.Toml;

namespace EdgeProxy.Policy.Config.Loading;

/// <summary>
/// Record instance → where it was written. Positions stay out of the records so that an unchanged cluster
/// compares equal across reloads even when an edit above it moved its line; the map is keyed by reference
/// (two equal records from different files are different places) and lives only for one load.
/// </summary>
internal sealed class ConfigPositions(SourcePosition fallback)
{
    private readonly Dictionary<object, RecordPositions> _byRecord = new(ReferenceEqualityComparer.Instance);

    public void Register(object record, RecordPositions positions) => _byRecord[record] = positions;

    /// <summary>
    /// Positions of <paramref name="record"/>; a record no file declared (a built-in default) gets the
    /// fallback, the start of the first file, so validators never need a null check.
    /// </summary>
    public RecordPositions Of(object record)
    {
        if (!_byRecord.TryGetValue(record, out var positions))
        {
            positions = new RecordPositions(fallback);
            _byRecord[record] = positions;
        }

        return positions;
    }
}
