namespace DistNet.Core.Data;

/// <summary>The one entry point from a data spec to the data a command needs.</summary>
public static class DataLoader
{
    public static DataSplit Load(string? spec, DataOptions? options = null) => Load(DataSpec.Parse(spec), options);

    /// <summary>Loads and splits: train, validation and test, reproducibly from <see cref="DataOptions.Seed"/>.</summary>
    public static DataSplit Load(DataSpec spec, DataOptions? options = null)
    {
        options ??= new DataOptions();
        var (data, ownTest) = LoadParts(spec, options);
        return ownTest is null
            ? Splitter.Split(data, options.Validation, options.Test, options.Seed)
            : Splitter.Split(data, ownTest, options.Validation, options.Seed);
    }

    public static Dataset LoadAll(string? spec, DataOptions? options = null) => LoadAll(DataSpec.Parse(spec), options);

    /// <summary>Every row, unsplit (for evaluating on all data); for IDX the train rows, then the test rows.</summary>
    public static Dataset LoadAll(DataSpec spec, DataOptions? options = null)
    {
        var (data, ownTest) = LoadParts(spec, options ?? new DataOptions());
        return ownTest is null ? data : DatasetConcat.Concat(data, ownTest);
    }

    private static (Dataset Data, Dataset? OwnTest) LoadParts(DataSpec spec, DataOptions options)
    {
        switch (spec.Kind)
        {
            case DataKind.Idx:
                var (train, test) = IdxData.Load(RequirePath(spec));
                return (train, test);
            case DataKind.Csv:
                return (CsvData.Load(RequirePath(spec), options.LabelColumn), null);
            case DataKind.Digits:
                return (DigitsData.Load(), null);
            case DataKind.Xor:
                return (SyntheticData.Xor(options.Samples, options.Noise ?? SyntheticData.DefaultXorNoise, options.Seed), null);
            case DataKind.Circles:
                return (SyntheticData.Circles(options.Samples, options.Noise ?? SyntheticData.DefaultCirclesNoise, options.Seed), null);
            case DataKind.Moons:
                return (SyntheticData.Moons(options.Samples, options.Noise ?? SyntheticData.DefaultMoonsNoise, options.Seed), null);
            case DataKind.Spirals:
                return (SyntheticData.Spirals(options.Samples, options.Noise ?? SyntheticData.DefaultSpiralsNoise, options.Seed), null);
            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "unknown data kind");
        }
    }

    private static string RequirePath(DataSpec spec) =>
        spec.Path ?? throw new DataException($"data set '{spec}' names no path, expected idx:DIR or csv:FILE");
}
