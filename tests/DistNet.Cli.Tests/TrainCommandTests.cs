using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DistNet.Cli.Tests;

public class TrainCommandTests
{
    [Fact]
    public void Default_train_on_digits_reaches_95_percent_test_accuracy()
    {
        using var dir = new TempDir();
        var model = dir.File("model.json");
        var train = CliRunner.Run("train", "--model-out", model);
        Assert.True(train.ExitCode == 0, train.Error);
        var printed = Regex.Match(train.Output, @"test: loss [\d.]+, accuracy ([\d.]+)");
        Assert.True(printed.Success, train.Output);

        var eval = CliRunner.Run("eval", "--model", model, "--json");
        Assert.Equal(0, eval.ExitCode);
        using var json = JsonDocument.Parse(eval.Output);
        double accuracy = json.RootElement.GetProperty("accuracy").GetDouble();
        Assert.True(accuracy >= 0.95, $"test accuracy {accuracy}");
        Assert.Equal(double.Parse(printed.Groups[1].Value, CultureInfo.InvariantCulture), accuracy, 4);
        Assert.Equal(1 - accuracy, json.RootElement.GetProperty("zeroOneLoss").GetDouble(), 9);
        Assert.Equal(359, json.RootElement.GetProperty("samples").GetInt32()); // 20 % of 1,797, rounded down
    }

    [Fact]
    public void Same_seed_gives_byte_identical_models_and_another_seed_does_not()
    {
        using var dir = new TempDir();
        string[] common = ["train", "--hidden", "16", "--epochs", "3"];
        Assert.Equal(0, CliRunner.Run([.. common, "--seed", "5", "--model-out", dir.File("a.json")]).ExitCode);
        Assert.Equal(0, CliRunner.Run([.. common, "--seed", "5", "--model-out", dir.File("b.json")]).ExitCode);
        Assert.Equal(0, CliRunner.Run([.. common, "--seed", "6", "--model-out", dir.File("c.json")]).ExitCode);
        var a = File.ReadAllBytes(dir.File("a.json"));
        Assert.Equal(a, File.ReadAllBytes(dir.File("b.json")));
        Assert.NotEqual(a, File.ReadAllBytes(dir.File("c.json")));
    }

    [Fact]
    public void Metrics_out_writes_one_json_line_per_epoch()
    {
        using var dir = new TempDir();
        var metrics = dir.File("m.jsonl");
        var run = CliRunner.Run("train", "--hidden", "8", "--epochs", "4", "--metrics-out", metrics);
        Assert.Equal(0, run.ExitCode);
        var lines = File.ReadAllLines(metrics);
        Assert.Equal(4, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            var e = JsonDocument.Parse(lines[i]).RootElement;
            Assert.Equal(i + 1, e.GetProperty("epoch").GetInt32());
            Assert.True(e.GetProperty("loss").GetDouble() > 0);
            Assert.Equal(0, e.GetProperty("penalty").GetDouble());
            Assert.InRange(e.GetProperty("trainAccuracy").GetDouble(), 0, 1);
            Assert.InRange(e.GetProperty("validationAccuracy").GetDouble(), 0, 1);
            Assert.True(e.GetProperty("validationLoss").GetDouble() > 0);
            Assert.True(e.GetProperty("samplesPerSecond").GetDouble() > 0);
            Assert.True(e.GetProperty("elapsedSeconds").GetDouble() > 0);
        }
        // Plain progress (output is not a terminal): one line per epoch.
        Assert.Equal(4, Regex.Matches(run.Output, @"^epoch +\d+/4", RegexOptions.Multiline).Count);
    }

    [Fact]
    public void Penalty_is_reported_when_regularised()
    {
        using var dir = new TempDir();
        var metrics = dir.File("m.jsonl");
        Assert.Equal(0, CliRunner.Run("train", "--hidden", "8", "--epochs", "1", "--l2", "0.001", "--metrics-out", metrics).ExitCode);
        Assert.True(JsonDocument.Parse(File.ReadAllLines(metrics)[0]).RootElement.GetProperty("penalty").GetDouble() > 0);
    }

    [Fact]
    public void Init_continues_from_a_saved_model_whose_architecture_wins()
    {
        using var dir = new TempDir();
        Assert.Equal(0, CliRunner.Run("train", "--hidden", "12", "--epochs", "2", "--model-out", dir.File("first.json")).ExitCode);
        var again = CliRunner.Run("train", "--hidden", "99", "--epochs", "0", "--init", dir.File("first.json"), "--model-out", dir.File("second.json"));
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("64-12-10", again.Output);
        // No epochs: the model comes back unchanged.
        Assert.Equal(File.ReadAllBytes(dir.File("first.json")), File.ReadAllBytes(dir.File("second.json")));
    }

    [Fact]
    public void No_bias_and_standardize_show_in_the_model_file()
    {
        using var dir = new TempDir();
        Assert.Equal(0, CliRunner.Run("train", "--hidden", "4", "--epochs", "1", "--no-bias", "--standardize", "--model-out", dir.File("m.json")).ExitCode);
        var root = JsonDocument.Parse(File.ReadAllText(dir.File("m.json"))).RootElement;
        Assert.All(root.GetProperty("layers").EnumerateArray(), l => Assert.Equal(JsonValueKind.Null, l.GetProperty("bias").ValueKind));
        Assert.Equal(64, root.GetProperty("inputTransform").GetProperty("offset").GetArrayLength());
    }

    [Theory]
    [InlineData("circles")]
    [InlineData("xor")]
    public void Perceptron_fails_where_a_hidden_layer_succeeds(string data)
    {
        var perceptron = CliRunner.Run("train", "--data", data, "--hidden", "0", "--epochs", "200", "--lr", "0.5", "--validation", "0");
        var mlp = CliRunner.Run("train", "--data", data, "--hidden", "8", "--epochs", "300", "--lr", "0.5", "--validation", "0");
        Assert.True(TestAccuracy(perceptron) < 0.75, perceptron.Output);
        Assert.True(TestAccuracy(mlp) >= 0.97, mlp.Output);
    }

    internal static double TestAccuracy(CliResult run)
    {
        Assert.True(run.ExitCode == 0, run.Error);
        var m = Regex.Match(run.Output, @"test: loss [\d.]+, accuracy ([\d.]+)");
        Assert.True(m.Success, run.Output);
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
