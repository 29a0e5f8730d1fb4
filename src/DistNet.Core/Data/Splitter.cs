using DistNet.Core.Random;

namespace DistNet.Core.Data;

/// <summary>
/// Seeded train/validation/test split: the same seed gives the same rows in each part on every
/// machine, so a run can be reproduced and a saved model evaluated on exactly its own test rows.
/// </summary>
public static class Splitter
{
    /// <summary>Holds out <paramref name="validation"/> and <paramref name="test"/> (fractions of all rows); the rest trains.</summary>
    public static DataSplit Split(Dataset data, double validation, double test, long seed)
    {
        var (train, valid, held) = Indices(data.Count, validation, test, seed);
        return new DataSplit(data.Subset(train), data.Subset(valid), data.Subset(held));
    }

    /// <summary>For data with its own test set (IDX): only validation is taken out of the training part.</summary>
    public static DataSplit Split(Dataset train, Dataset test, double validation, long seed)
    {
        var (rest, valid, _) = Indices(train.Count, validation, 0, seed);
        return new DataSplit(train.Subset(rest), train.Subset(valid), test);
    }

    /// <summary>
    /// Row indices of each part, in permuted order (so data sorted by class is mixed even if the
    /// trainer does not shuffle). Test takes the first rows of the permutation, then validation.
    /// </summary>
    public static (int[] Train, int[] Validation, int[] Test) Indices(int count, double validation, double test, long seed)
    {
        RequireFraction(validation, nameof(validation));
        RequireFraction(test, nameof(test));
        if (validation + test >= 1)
            throw new ArgumentException(
                $"validation ({validation}) + test ({test}) fractions must add up to less than 1, so that some rows are left to train on");
        int testCount = (int)Math.Round(count * test, MidpointRounding.AwayFromZero);
        int validationCount = (int)Math.Round(count * validation, MidpointRounding.AwayFromZero);
        if (count > 0 && testCount + validationCount >= count)
            throw new ArgumentException(
                $"validation ({validation}) and test ({test}) fractions of {count} rows take {validationCount} + {testCount} rows, leaving none to train on");

        int[] order = Rng.ForPurpose(seed, "split").Permutation(count);
        return (order[(testCount + validationCount)..], order[testCount..(testCount + validationCount)], order[..testCount]);
    }

    private static void RequireFraction(double fraction, string name)
    {
        if (!(fraction >= 0 && fraction < 1))
            throw new ArgumentException($"the {name} fraction must be in [0, 1), got {fraction}", name);
    }
}
