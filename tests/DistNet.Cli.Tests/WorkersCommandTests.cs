using System.Text.RegularExpressions;

namespace DistNet.Cli.Tests;

public class WorkersCommandTests
{
    [Fact]
    public void Sync_model_files_are_byte_identical_for_1_2_3_and_8_workers()
    {
        using var dir = new TempDir();
        byte[]? first = null;
        foreach (var workers in new[] { "1", "2", "3", "8" })
        {
            var path = dir.File($"w{workers}.json");
            var run = CliRunner.Run("train", "--workers", workers, "--epochs", "3", "--hidden", "16", "--model-out", path);
            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Contains("exactly once in each of 3 epochs", run.Output);
            var bytes = File.ReadAllBytes(path);
            first ??= bytes;
            Assert.True(first.AsSpan().SequenceEqual(bytes), $"--workers {workers} wrote a different model");
        }
    }

    [Theory]
    [InlineData("async")]
    [InlineData("ssp")]
    public void Async_modes_train_and_report_staleness(string mode)
    {
        var run = CliRunner.Run("train", "--mode", mode, "--workers", "2", "--epochs", "10");
        Assert.True(TrainCommandTests.TestAccuracy(run) >= 0.9, run.Output);
        Assert.Matches(@"staleness mean \d+\.\d+, max \d+", run.Output);
    }

    [Theory]
    [InlineData("--mode", "gossip", "--mode: unknown 'gossip'")]
    [InlineData("--workers", "0", "--workers")]
    [InlineData("--backup-workers", "2", "--backup-workers")]
    [InlineData("--sync-every", "0", "--sync-every")]
    [InlineData("--micro-shards", "0", "--micro-shards")]
    public void Bad_actor_options(string option, string value, string expected)
    {
        var run = CliRunner.Run("train", option, value, "--workers", option == "--workers" ? "0" : "2", "--epochs", "1");
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains(expected, run.ErrorLines[0]);
    }

    [Fact]
    public void Local_sgd_and_backup_workers_run_from_the_command_line()
    {
        var local = CliRunner.Run("train", "--workers", "2", "--sync-every", "4", "--epochs", "5");
        Assert.Matches(@"averaging every 4 steps", local.Output);
        Assert.True(TrainCommandTests.TestAccuracy(local) >= 0.85);
        var backup = CliRunner.Run("train", "--workers", "3", "--backup-workers", "1", "--epochs", "5");
        Assert.True(backup.ExitCode == 0, backup.Error);
        Assert.Matches(new Regex("sync with 1 backup worker"), backup.Output);
    }
}
