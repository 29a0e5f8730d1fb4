using DistNet.Core.Data;

namespace DistNet.Core.Tests.Data;

public class SplitterTests
{
    [Fact]
    public void PartsHaveTheRequestedSizes()
    {
        var (train, validation, test) = Splitter.Indices(1000, 0.1, 0.2, seed: 1);
        Assert.Equal(700, train.Length);
        Assert.Equal(100, validation.Length);
        Assert.Equal(200, test.Length);
    }

    [Fact]
    public void PartsAreDisjointAndCoverEveryRow()
    {
        var (train, validation, test) = Splitter.Indices(537, 0.15, 0.25, seed: 9);
        int[] all = [.. train, .. validation, .. test];
        Assert.Equal(Enumerable.Range(0, 537), all.Order());
    }

    [Fact]
    public void SameSeedSameSplitOtherSeedOtherSplit()
    {
        var a = Splitter.Indices(300, 0.1, 0.2, seed: 5);
        var b = Splitter.Indices(300, 0.1, 0.2, seed: 5);
        var c = Splitter.Indices(300, 0.1, 0.2, seed: 6);
        Assert.Equal(a.Test, b.Test);
        Assert.Equal(a.Validation, b.Validation);
        Assert.Equal(a.Train, b.Train);
        Assert.NotEqual(a.Test.Order(), c.Test.Order());
    }

    [Fact]
    public void ZeroFractionsLeaveEveryRowInTraining()
    {
        var (train, validation, test) = Splitter.Indices(50, 0, 0, seed: 1);
        Assert.Empty(validation);
        Assert.Empty(test);
        Assert.Equal(Enumerable.Range(0, 50), train.Order());

        var onlyTest = Splitter.Indices(50, 0, 0.5, seed: 1);
        Assert.Empty(onlyTest.Validation);
        Assert.Equal(25, onlyTest.Test.Length);
    }

    [Theory]
    [InlineData(1.0, 0.0, "validation fraction must be in [0, 1), got 1")]
    [InlineData(-0.1, 0.0, "validation fraction must be in [0, 1), got -0.1")]
    [InlineData(0.0, double.NaN, "test fraction must be in [0, 1), got NaN")]
    [InlineData(0.5, 0.5, "must add up to less than 1")]
    [InlineData(0.6, 0.7, "must add up to less than 1")]
    public void BadFractionsAreExplained(double validation, double test, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Splitter.Indices(100, validation, test, seed: 1));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void TinyDataThatWouldLeaveNoTrainingRowsIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Splitter.Indices(2, 0.4, 0.4, seed: 1));
        Assert.Contains("leaving none to train on", e.Message);
    }

    [Fact]
    public void SplitCopiesTheIndexedRows()
    {
        var data = SyntheticData.Moons(samples: 40);
        var split = Splitter.Split(data, 0.25, 0.25, seed: 3);
        var (train, validation, test) = Splitter.Indices(40, 0.25, 0.25, seed: 3);
        AssertRows(data, train, split.Train);
        AssertRows(data, validation, split.Validation);
        AssertRows(data, test, split.Test);
    }

    [Fact]
    public void OwnTestSetIsKeptAndOnlyValidationIsHeldOut()
    {
        var train = SyntheticData.Xor(samples: 100);
        var test = SyntheticData.Xor(samples: 30, seed: 2);
        var split = Splitter.Split(train, test, 0.2, seed: 1);
        Assert.Same(test, split.Test);
        Assert.Equal(80, split.Train.Count);
        Assert.Equal(20, split.Validation.Count);
    }

    private static void AssertRows(Dataset source, int[] indices, Dataset part)
    {
        Assert.Equal(indices.Length, part.Count);
        for (int i = 0; i < indices.Length; i++)
        {
            Assert.Equal(source.Sample(indices[i]).ToArray(), part.Sample(i).ToArray());
            Assert.Equal(source.Labels![indices[i]], part.Labels![i]);
        }
    }
}
