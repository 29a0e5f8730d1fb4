using DistNet.Core.Data;

namespace DistNet.Plots.Tests;

public class MetricsLogTests
{
    private const string Good =
        """{"epoch":1,"loss":2.1,"penalty":0,"trainAccuracy":0.3,"validationLoss":1.8,"validationAccuracy":0.4,"samplesPerSecond":1000.5,"elapsedSeconds":0.1}""";

    private static RunCurves Read(params string[] lines)
    {
        using var dir = new TempDir();
        var path = dir.File("run.jsonl");
        File.WriteAllLines(path, lines);
        return MetricsLog.Read(path);
    }

    private static string Error(params string[] lines) => Assert.Throws<DataException>(() => Read(lines)).Message;

    [Fact]
    public void Reads_what_train_writes_and_takes_the_file_name_as_label()
    {
        var run = Read(Good, """{"epoch":2,"loss":1.5,"penalty":0,"trainAccuracy":null,"validationLoss":null,"validationAccuracy":null,"samplesPerSecond":1,"elapsedSeconds":0.2}""", "");
        Assert.Equal("run", run.Label);
        Assert.Equal(2, run.Epochs.Count);
        Assert.Equal((1, 2.1, 0.3, 1.8, 0.4), (run.Epochs[0].Epoch, run.Epochs[0].Loss, run.Epochs[0].TrainAccuracy, run.Epochs[0].ValidationLoss, run.Epochs[0].ValidationAccuracy));
        Assert.Null(run.Epochs[1].ValidationLoss);
    }

    [Theory]
    [InlineData("{\"epoch\":2,\"loss\":", "line 2: not valid JSON")]
    [InlineData("[1,2]", "line 2: expected a JSON object, found an array")]
    [InlineData("{\"epoch\":2}", "line 2: 'loss' is missing")]
    [InlineData("{\"epoch\":2,\"loss\":\"low\"}", "line 2: 'loss' must be a number, not a string")]
    [InlineData("{\"epoch\":2.5,\"loss\":1}", "line 2: 'epoch' must be a whole number")]
    [InlineData("{\"epoch\":1,\"loss\":1}", "line 2: epoch 1 after epoch 1")]
    [InlineData("{\"epoch\":2,\"loss\":1,\"validationLoss\":true}", "line 2: 'validationLoss' must be a number, not a boolean")]
    public void A_malformed_line_is_named_by_its_number(string second, string expected)
    {
        var message = Error(Good, second);
        Assert.Contains(expected, message);
        Assert.Contains("run.jsonl", message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void An_empty_file_says_so()
    {
        Assert.Contains("no metrics lines", Error("", "  "));
    }

    [Fact]
    public void A_missing_file_says_so()
    {
        Assert.Contains("no such metrics file", Assert.Throws<DataException>(() => MetricsLog.Read("/nonexistent/run.jsonl")).Message);
    }
}
