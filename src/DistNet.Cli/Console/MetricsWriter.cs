using System.Text.Json;
using DistNet.Core.Training;

namespace DistNet.Cli.Console;

/// <summary>Writes one JSON object per epoch (JSON Lines), flushed as it goes so a watcher sees progress.</summary>
public sealed class MetricsWriter : ITrainingObserver, IDisposable
{
    private readonly StreamWriter _writer;

    public MetricsWriter(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
    }

    public void OnEpoch(EpochReport report) => _writer.WriteLine(ToJson(report));

    public static string ToJson(EpochReport r)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("epoch", r.Epoch);
            json.WriteNumber("loss", r.Loss);
            json.WriteNumber("penalty", r.Penalty);
            WriteOptional(json, "trainAccuracy", r.TrainAccuracy);
            WriteOptional(json, "validationLoss", r.ValidationLoss);
            WriteOptional(json, "validationAccuracy", r.ValidationAccuracy);
            json.WriteNumber("samplesPerSecond", Math.Round(r.SamplesPerSecond, 1));
            json.WriteNumber("elapsedSeconds", Math.Round(r.ElapsedSeconds, 4));
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    public void Dispose() => _writer.Dispose();
}

public sealed class CompositeObserver(params ITrainingObserver?[] observers) : ITrainingObserver
{
    public void OnBatch(int epoch, int batch, int batchesPerEpoch, double runningLoss)
    {
        foreach (var o in observers) o?.OnBatch(epoch, batch, batchesPerEpoch, runningLoss);
    }

    public void OnEpoch(EpochReport report)
    {
        foreach (var o in observers) o?.OnEpoch(report);
    }

    public void OnNotice(string message)
    {
        foreach (var o in observers) o?.OnNotice(message);
    }
}
