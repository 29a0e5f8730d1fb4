using DistNet.Core.Data;
using DistNet.Core.Training;

namespace DistNet.Core.Tests.Training;

public class BatchTests
{
    private static Dataset Classification() =>
        new("c", 3, Enumerable.Range(0, 30).Select(i => (float)i).ToArray(), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0], ["a", "b", "c"]);

    private static Dataset Regression() =>
        new("r", 2, Enumerable.Range(0, 20).Select(i => (float)i).ToArray(), Enumerable.Range(0, 30).Select(i => -i / 2f).ToArray(), 3);

    [Fact]
    public void Range_holds_the_same_samples_as_gathering_those_indices()
    {
        foreach (var data in new[] { Classification(), Regression() })
        {
            var gathered = new Batch(data).Gather([3, 4, 5, 6]);
            var range = new Batch(data).Range(3, 4);
            Assert.Equal(4, range.Size);
            Assert.Equal(gathered.Inputs.ToArray(), range.Inputs.ToArray());
            Assert.Equal(gathered.Labels.ToArray(), range.Labels.ToArray());
            Assert.Equal(gathered.Targets.ToArray(), range.Targets.ToArray());
        }
    }

    [Fact]
    public void Gather_after_Range_and_Range_after_Gather_each_see_their_own_samples()
    {
        var data = Classification();
        var batch = new Batch(data);
        batch.Range(8, 2);
        Assert.Equal(data.Features[24..30], batch.Inputs.ToArray());
        batch.Gather([1, 0]);
        Assert.Equal([3f, 4, 5, 0, 1, 2], batch.Inputs.ToArray());
        Assert.Equal([1, 0], batch.Labels.ToArray());
        batch.Range(0, 1);
        Assert.Equal([0f, 1, 2], batch.Inputs.ToArray());
        Assert.Equal([0], batch.Labels.ToArray());
    }

    [Fact]
    public void Range_outside_the_data_set_is_refused()
    {
        var batch = new Batch(Classification());
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Range(8, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Range(-1, 2));
        Assert.Equal(0, batch.Range(10, 0).Size);
    }
}
