namespace DistNet.Core.Data;

/// <summary>Joins two parts of one data set (IDX train and test) back into one, for "all rows".</summary>
internal static class DatasetConcat
{
    public static Dataset Concat(Dataset first, Dataset second)
    {
        if (first.FeatureCount != second.FeatureCount || first.IsClassification != second.IsClassification
            || first.TargetCount != second.TargetCount
            || (first.Classes is not null && !first.Classes.SequenceEqual(second.Classes!)))
            throw new ArgumentException($"{first.Name} and {second.Name} do not have the same features and labels");

        float[] features = [.. first.Features, .. second.Features];
        return first.IsClassification
            ? new Dataset(first.Name, first.FeatureCount, features, [.. first.Labels!, .. second.Labels!], first.Classes!)
            : new Dataset(first.Name, first.FeatureCount, features, [.. first.Targets!, .. second.Targets!], first.TargetCount);
    }
}
