using EdgeProxy.Manager.Analytics;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>The sketch's bound (every quantile within 1% of the exact value) and its merge paths agreeing.</summary>
public sealed class LatencySketchTests
{
    [Fact]
    public void Quantiles_are_within_the_relative_error_for_wide_and_narrow_distributions()
    {
        var random = new Random(5);
        foreach (var spread in new[] { 0.1, 3.0, 14.0 })
        {
            var values = Enumerable.Range(0, 20_000).Select(_ => (long)Math.Exp(random.NextDouble() * spread + 3)).ToList();
            var sketch = new LatencySketch();
            values.ForEach(sketch.Add);
            var sorted = values.Order().ToList();
            foreach (var q in new[] { 0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0 })
            {
                var exact = sorted[(int)Math.Floor(q * (sorted.Count - 1))];
                var estimate = sketch.Quantile(q);
                Assert.True(Math.Abs(estimate - exact) <= exact * LatencySketch.RelativeError, $"spread {spread} q {q}: {estimate} vs {exact}");
            }
        }
    }

    [Fact]
    public void Merging_serialized_sketches_equals_merging_the_sketches_and_unreadable_blobs_count_as_empty()
    {
        var random = new Random(9);
        var a = new LatencySketch();
        var b = new LatencySketch();
        for (var i = 0; i < 5000; i++)
        {
            a.Add(random.Next(0, 3) == 0 ? 0 : random.Next(1, 1_000_000));
            b.Add(random.Next(50, 50_000));
        }

        var merged = LatencySketch.Deserialize(LatencySketch.MergeSerialized(a.Serialize(), b.Serialize()));
        var direct = LatencySketch.Deserialize(a.Serialize());
        direct.Merge(b);
        Assert.Equal(10_000, merged.Count);
        Assert.Equal(direct.Serialize(), merged.Serialize());
        foreach (var q in new[] { 0.1, 0.5, 0.99 })
        {
            Assert.Equal(direct.Quantile(q), merged.Quantile(q));
        }

        byte[] garbage = [1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 3];
        Assert.Equal(a.Serialize(), LatencySketch.MergeSerialized(a.Serialize(), garbage));
        Assert.Equal(0, LatencySketch.Deserialize([9, 1, 2]).Count);
        Assert.Equal(0, LatencySketch.Deserialize(LatencySketch.MergeSerialized(null, [])).Count);
    }
}
