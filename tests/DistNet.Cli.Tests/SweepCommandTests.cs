using System.Text.Json;
using System.Text.RegularExpressions;

namespace DistNet.Cli.Tests;

public class SweepCommandTests
{
    private static readonly string[] Quick = ["sweep", "--hidden", "1,2,4,8,16", "--epochs", "4"];

    private static (CliResult Run, JsonElement Table) Sweep(TempDir dir, string name, params string[] more)
    {
        var table = dir.File(name + ".json");
        var run = CliRunner.Run([.. Quick, "--table-out", table, "--model-out", dir.File(name + "-model.json"), .. more]);
        Assert.True(run.ExitCode == 0, run.Error);
        return (run, JsonDocument.Parse(File.ReadAllText(table)).RootElement.Clone());
    }

    [Fact]
    public void The_chosen_candidate_has_the_best_validation_score_in_the_table()
    {
        using var dir = new TempDir();
        var (run, table) = Sweep(dir, "a", "--workers", "2");
        var rows = table.GetProperty("candidates").EnumerateArray().ToArray();
        Assert.Equal(5, rows.Length);

        // The table's own figures decide: highest validation accuracy, then lowest validation loss.
        var expected = rows
            .OrderByDescending(r => r.GetProperty("validationAccuracy").GetDouble())
            .ThenBy(r => r.GetProperty("validationLoss").GetDouble())
            .First();
        int best = expected.GetProperty("candidate").GetInt32();
        Assert.Equal(best, table.GetProperty("best").GetInt32());
        Assert.Equal([best], rows.Where(r => r.GetProperty("best").GetBoolean()).Select(r => r.GetProperty("candidate").GetInt32()));
        // The printed table marks the same row, and the summary names it.
        Assert.Matches(new Regex($@"^\*\s+{best}\s", RegexOptions.Multiline), run.Output);
        Assert.Single(Regex.Matches(run.Output, @"^\* ", RegexOptions.Multiline));
        Assert.Contains($"best: candidate {best} (hidden {expected.GetProperty("hidden")[0].GetInt32()})", run.Output);

        // The saved model is that candidate: eval on the validation split gives the table's accuracy.
        var eval = CliRunner.Run("eval", "--model", dir.File("a-model.json"), "--split", "validation", "--json");
        Assert.Equal(0, eval.ExitCode);
        var scored = JsonDocument.Parse(eval.Output).RootElement;
        Assert.Equal(expected.GetProperty("validationAccuracy").GetDouble(), scored.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(expected.GetProperty("validationLoss").GetDouble(), scored.GetProperty("loss").GetDouble(), 9);
    }

    [Fact]
    public void One_worker_and_three_workers_give_the_same_table_and_model()
    {
        using var dir = new TempDir();
        var (_, one) = Sweep(dir, "one", "--workers", "1");
        var (three, threeTable) = Sweep(dir, "three", "--workers", "3");
        Assert.Equal(Comparable(one), Comparable(threeTable));
        Assert.Equal(File.ReadAllBytes(dir.File("one-model.json")), File.ReadAllBytes(dir.File("three-model.json")));
        // Three workers really shared the work.
        Assert.Equal(3, threeTable.GetProperty("candidates").EnumerateArray().Select(r => r.GetProperty("worker").GetInt32()).Distinct().Count());
        Assert.Contains("3 workers", three.Output);
    }

    /// <summary>Every figure of the table except those that depend on timing: the seconds and which worker trained what.</summary>
    private static string[] Comparable(JsonElement table) => table.GetProperty("candidates").EnumerateArray()
        .Select(row => string.Join(";", row.EnumerateObject()
            .Where(p => p.Name is not ("trainSeconds" or "worker"))
            .Select(p => $"{p.Name}={p.Value.GetRawText()}")))
        .Append("best=" + table.GetProperty("best").GetRawText())
        .ToArray();

    [Fact]
    public void The_best_model_is_the_one_train_writes_for_the_same_options()
    {
        using var dir = new TempDir();
        var (_, table) = Sweep(dir, "s", "--workers", "2");
        var best = table.GetProperty("candidates")[table.GetProperty("best").GetInt32() - 1].GetProperty("hidden")[0].GetInt32();
        var train = CliRunner.Run("train", "--hidden", best.ToString(), "--epochs", "4", "--model-out", dir.File("train.json"));
        Assert.Equal(0, train.ExitCode);
        Assert.Equal(File.ReadAllBytes(dir.File("train.json")), File.ReadAllBytes(dir.File("s-model.json")));
    }

    [Fact]
    public void Layer_lists_csv_and_the_perceptron_are_candidates_too()
    {
        using var dir = new TempDir();
        var csv = dir.File("t.csv");
        var run = CliRunner.Run("sweep", "--data", "xor", "--hidden", "0;4;4,4", "--epochs", "2", "--table-out", csv);
        Assert.True(run.ExitCode == 0, run.Error);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("candidate,hidden,parameters,epochs,trainLoss,trainAccuracy,validationLoss,validationAccuracy,trainSeconds,worker,best,failure", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("1,0,6,2,", lines[1]);       // the perceptron: 2×2 weights + 2 biases
        Assert.StartsWith("2,4,22,2,", lines[2]);      // 2-4-2
        Assert.StartsWith("3,\"4,4\",42,2,", lines[3]); // 2-4-4-2
        Assert.Single(lines.Skip(1), l => l.Contains(",true,"));
    }

    [Fact]
    public void Help_lists_the_picture_commands_and_their_options()
    {
        var root = CliRunner.Run("--help");
        foreach (var command in new[] { "sweep", "boundary", "plot" }) Assert.Contains(command, root.Output);
        Assert.Contains("--table-out", CliRunner.Run("sweep", "--help").Output);
        Assert.Contains("--panel-size", CliRunner.Run("boundary", "--help").Output);
        Assert.Contains("--labels", CliRunner.Run("plot", "--help").Output);
        Assert.Contains("--plot", CliRunner.Run("train", "--help").Output);
    }

    [Theory]
    [InlineData("--hidden", "8;;16", "empty candidate")]
    [InlineData("--hidden", "1,-2", "'-2' is not a positive layer size")]
    [InlineData("--table-out", "t.txt", "must end in .csv or .json")]
    [InlineData("--validation", "0", "--validation must leave at least one sample")]
    [InlineData("--workers", "0", "--workers must be at least 1")]
    public void Bad_options_are_one_line_and_exit_code_2(string option, string value, string message)
    {
        var run = CliRunner.Run("sweep", "--epochs", "1", option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains(message, run.Error);
    }
}
