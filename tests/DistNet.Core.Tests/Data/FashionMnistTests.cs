using System.Diagnostics;
using DistNet.Core.Data;

namespace DistNet.Core.Tests.Data;

/// <summary>Runs alone, after the parallel tests, so that its timing measures the loader, not the neighbours.</summary>
[CollectionDefinition(nameof(FashionMnistTests), DisableParallelization = true)]
public class FashionMnistCollection;

[Collection(nameof(FashionMnistTests))]
public class FashionMnistTests
{
    private const string FashionDirectory = "/work/shared/data/fashion-mnist";

    [Fact]
    public void LoadsTheFullSetQuicklyWhenPresent()
    {
        if (!Directory.Exists(FashionDirectory)) return; // only on machines that have the shared data

        var clock = Stopwatch.StartNew();
        var (train, test) = IdxData.Load(FashionDirectory);
        clock.Stop();

        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal(784, train.FeatureCount);
        Assert.Equal(784, test.FeatureCount);
        Assert.Equal(10, train.Classes!.Length);
        // Known facts: first labels (9 = ankle boot), 6,000 / 1,000 per class, a pixel of the first image.
        Assert.Equal([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], train.Labels![..10]);
        Assert.Equal([9, 2, 1, 1, 6], test.Labels![..5]);
        Assert.All(train.Labels.GroupBy(l => l), g => Assert.Equal(6000, g.Count()));
        Assert.Equal(217 / 255f, train.Features[14 * 28 + 14]);
        Assert.Equal(1f, train.Features.AsSpan(0, 784).ToArray().Max());
        // The target is well under 2 s (about 0.5 s on an idle 2-core machine); the bound leaves room
        // for a machine busy with other builds, while still catching a byte-at-a-time reader.
        Assert.True(clock.Elapsed.TotalSeconds < 5, $"loading took {clock.Elapsed.TotalSeconds:F2} s");
    }
}
