using System.Text.Json;
using DistNet.Core.Data;
using DistNet.Core.Training;

namespace DistNet.Plots;

/// <summary>
/// Reads the JSON Lines that `distnet train --metrics-out` writes (one object per epoch: epoch,
/// loss, penalty, trainAccuracy, validationLoss, validationAccuracy, samplesPerSecond,
/// elapsedSeconds). A line that is not such an object stops the reading with one message naming
/// the file and the line, so the user can go and look.
/// </summary>
public static class MetricsLog
{
    public static RunCurves Read(string path, string? label = null)
    {
        if (!File.Exists(path)) throw new DataException($"{path}: no such metrics file");
        var epochs = new List<EpochReport>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var report = Parse(line, problem => new DataException($"{path} line {lineNumber}: {problem}"));
            if (epochs.Count > 0 && report.Epoch <= epochs[^1].Epoch)
                throw new DataException($"{path} line {lineNumber}: epoch {report.Epoch} after epoch {epochs[^1].Epoch} (one run per file, epochs in order)");
            epochs.Add(report);
        }
        if (epochs.Count == 0) throw new DataException($"{path}: no metrics lines (expected one JSON object per epoch, as train --metrics-out writes)");
        return new RunCurves(label ?? Path.GetFileNameWithoutExtension(path), epochs);
    }

    private static EpochReport Parse(string line, Func<string, Exception> error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw error($"not valid JSON (at character {e.BytePositionInLine + 1})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw error($"expected a JSON object, found {Describe(root.ValueKind)}");
            double epoch = Required(root, "epoch", error);
            if (epoch < 1 || epoch != Math.Floor(epoch) || epoch > int.MaxValue) throw error($"'epoch' must be a whole number ≥ 1, not {epoch}");
            return new EpochReport(
                (int)epoch,
                Required(root, "loss", error),
                Optional(root, "penalty", error) ?? 0,
                Optional(root, "trainAccuracy", error),
                Optional(root, "validationLoss", error),
                Optional(root, "validationAccuracy", error),
                Optional(root, "samplesPerSecond", error) ?? double.NaN,
                Optional(root, "elapsedSeconds", error) ?? double.NaN);
        }
    }

    private static double Required(JsonElement root, string name, Func<string, Exception> error) =>
        Optional(root, name, error) ?? throw error($"'{name}' is missing");

    private static double? Optional(JsonElement root, string name, Func<string, Exception> error)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number) throw error($"'{name}' must be a number, not {Describe(value.ValueKind)}");
        return value.GetDouble();
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        _ => "a number",
    };
}
