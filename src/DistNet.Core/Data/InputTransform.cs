namespace DistNet.Core.Data;

/// <summary>
/// x' = (x − offset) · scale per feature. Fitted on the training split only and stored in the
/// model, so that evaluation and prediction see features exactly as training did.
/// </summary>
public sealed record InputTransform(float[] Offset, float[] Scale)
{
    public static InputTransform Standardize(Dataset train)
    {
        int d = train.FeatureCount;
        var mean = new double[d];
        var squares = new double[d];
        for (int i = 0; i < train.Count; i++)
        {
            var x = train.Sample(i);
            for (int j = 0; j < d; j++) { mean[j] += x[j]; squares[j] += (double)x[j] * x[j]; }
        }
        var offset = new float[d];
        var scale = new float[d];
        for (int j = 0; j < d; j++)
        {
            double m = mean[j] / Math.Max(1, train.Count);
            double variance = Math.Max(0, squares[j] / Math.Max(1, train.Count) - m * m);
            double sd = Math.Sqrt(variance);
            offset[j] = (float)m;
            // A constant feature carries no information; leave it centred rather than divide by ~0.
            scale[j] = sd > 1e-8 ? (float)(1 / sd) : 1f;
        }
        return new InputTransform(offset, scale);
    }

    public void ApplyInPlace(Span<float> sample)
    {
        for (int j = 0; j < sample.Length; j++) sample[j] = (sample[j] - Offset[j]) * Scale[j];
    }
}
