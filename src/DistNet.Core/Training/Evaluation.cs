using DistNet.Core.Data;
using DistNet.Core.Nn;

namespace DistNet.Core.Training;

/// <summary>
/// How a model does on a data set: mean data loss, the weight penalty, and for classification
/// the accuracy and the 0-1 loss (error rate).
/// </summary>
public sealed record Evaluation(int Samples, double Loss, double Penalty, double? Accuracy)
{
    public double? ZeroOneLoss => Accuracy is { } a ? 1 - a : null;

    public static Evaluation Of(Mlp model, Dataset data, Penalty penalty, int batchSize = 1024)
    {
        CheckCompatible(model.Architecture, data);
        var pass = new Backprop(model.Architecture);
        var batch = new Batch(data);
        double loss = 0;
        long correct = 0;
        int outputs = model.Architecture.OutputSize;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int size = Math.Min(batchSize, data.Count - start);
            batch.Range(start, size);
            var scores = pass.Forward(model.Parameters, batch.Inputs, size);
            loss += Losses.Evaluate(model.Architecture.Loss, scores, outputs, size, batch.Labels, batch.Targets, 0f, default);
            if (data.IsClassification) correct += CountCorrect(model.Architecture.Loss, scores, outputs, batch.Labels);
        }
        int n = data.Count;
        return new Evaluation(n, n == 0 ? double.NaN : loss / n, penalty.Value(model.Layout, model.Parameters),
            data.IsClassification && n > 0 ? (double)correct / n : null);
    }

    public static int CountCorrect(Loss loss, ReadOnlySpan<float> scores, int outputs, ReadOnlySpan<int> labels)
    {
        int correct = 0;
        for (int n = 0; n < labels.Length; n++)
            if (Losses.PredictClass(loss, scores.Slice(n * outputs, outputs)) == labels[n]) correct++;
        return correct;
    }

    /// <summary>Refuses a data set whose shape the model cannot take, with a message saying why.</summary>
    public static void CheckCompatible(Architecture architecture, Dataset data)
    {
        if (data.FeatureCount != architecture.InputSize)
            throw new DataException($"{data.Name}: {data.FeatureCount} features per sample, but the model takes {architecture.InputSize}");
        if (data.IsClassification)
        {
            if (Losses.OutputUnits(architecture.Loss, data.Classes!.Length) != architecture.OutputSize)
                throw new DataException($"{data.Name}: {data.Classes.Length} classes, but the model has {architecture.OutputSize} outputs");
        }
        else
        {
            if (Losses.NeedsLabels(architecture.Loss))
                throw new DataException($"{data.Name}: real-valued targets, but loss {Losses.Name(architecture.Loss)} needs class labels (use mse or mae)");
            if (data.TargetCount != architecture.OutputSize)
                throw new DataException($"{data.Name}: {data.TargetCount} targets per sample, but the model has {architecture.OutputSize} outputs");
        }
    }
}
