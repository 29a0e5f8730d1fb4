using System.Globalization;
using System.Text.Json;

namespace DistNet.Cli.Tests;

public class CommandTests
{
    [Fact]
    public void Help_lists_every_command_and_train_lists_its_options()
    {
        var root = CliRunner.Run("--help");
        Assert.Equal(0, root.ExitCode);
        foreach (var command in new[] { "train", "eval", "predict", "gradcheck" }) Assert.Contains(command, root.Output);
        var train = CliRunner.Run("train", "--help");
        foreach (var option in new[] { "--data", "--hidden", "--activation", "--loss", "--optimizer", "--lr", "--batch", "--epochs",
                     "--l1", "--l2", "--seed", "--validation", "--test", "--model-out", "--metrics-out", "--init", "--no-shuffle",
                     "--threads", "--no-bias", "--standardize", "--patience" })
            Assert.Contains(option, train.Output);
    }

    [Fact]
    public void Eval_text_and_json_agree_and_splits_differ()
    {
        using var dir = new TempDir();
        var model = dir.File("m.json");
        Assert.Equal(0, CliRunner.Run("train", "--hidden", "16", "--epochs", "5", "--model-out", model).ExitCode);
        var json = JsonDocument.Parse(CliRunner.Run("eval", "--model", model, "--json", "--split", "train").Output).RootElement;
        var text = CliRunner.Run("eval", "--model", model, "--split", "train").Output;
        Assert.Contains($"accuracy   {json.GetProperty("accuracy").GetDouble().ToString("F4", CultureInfo.InvariantCulture)}", text);
        Assert.Equal(1797 - 359 - 180, json.GetProperty("samples").GetInt32());
        var all = JsonDocument.Parse(CliRunner.Run("eval", "--model", model, "--json", "--split", "all").Output).RootElement;
        Assert.Equal(1797, all.GetProperty("samples").GetInt32());
        var withL2 = JsonDocument.Parse(CliRunner.Run("eval", "--model", model, "--json", "--l2", "0.5").Output).RootElement;
        Assert.True(withL2.GetProperty("penalty").GetDouble() > 0);
    }

    [Fact]
    public void Predict_gives_one_row_per_input_with_probabilities_summing_to_one()
    {
        using var dir = new TempDir();
        var model = dir.File("m.json");
        Assert.Equal(0, CliRunner.Run("train", "--data", "xor", "--hidden", "8", "--epochs", "300", "--model-out", model, "--standardize").ExitCode);
        var input = dir.Write("in.csv", "x,y\n0.8,0.8\n-0.8,0.8\n0.8,-0.8\n-0.8,-0.8\n");
        var run = CliRunner.Run("predict", "--model", model, "--input", input);
        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Trim().Split('\n');
        Assert.Equal("row,class,p(0),p(1)", lines[0].Trim());
        Assert.Equal(5, lines.Length);
        var classes = lines.Skip(1).Select(l => l.Split(',')[1]).ToArray();
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            Assert.Equal(1.0, double.Parse(cells[2], CultureInfo.InvariantCulture) + double.Parse(cells[3], CultureInfo.InvariantCulture), 4);
        }
        // XOR: opposite quadrants share a class, neighbours do not.
        Assert.Equal(classes[0], classes[3]);
        Assert.Equal(classes[1], classes[2]);
        Assert.NotEqual(classes[0], classes[1]);
    }

    [Fact]
    public void Gradcheck_passes_and_reports_the_error()
    {
        var run = CliRunner.Run("gradcheck", "--activation", "tanh", "--loss", "hinge", "--l1", "0.01", "--l2", "0.01");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"worst relative error \d\.\d+E[-+]\d+ .*: ok", run.Output);
    }
}
