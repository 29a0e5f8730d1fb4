namespace DistNet.Cli.Tests;

/// <summary>`train --faults/--fault`, `--checkpoint-dir` and `--resume` from the command line.</summary>
public class FaultCommandTests
{
    private static readonly string[] Job = ["--workers", "3", "--epochs", "3", "--hidden", "16"];

    private static byte[] CleanModel(TempDir dir)
    {
        var run = CliRunner.Run(["train", .. Job, "--model-out", dir.File("clean.json")]);
        Assert.True(run.ExitCode == 0, run.Error);
        return File.ReadAllBytes(dir.File("clean.json"));
    }

    [Fact]
    public void A_plan_file_and_options_together_run_and_the_model_is_the_fault_free_one()
    {
        using var dir = new TempDir();
        var plan = dir.Write("plan.json", """
            { "faults": [
                { "kind": "kill-worker", "worker": 1, "step": 15, "restart-after": 10 },
                { "kind": "corrupt-gradient", "worker": 2, "step": 30, "value": "inf" } ] }
            """);
        var run = CliRunner.Run(["train", .. Job, "--faults", plan, "--fault", "crash-server:step=70",
            "--fault", "drop:message=task,probability=0.1,step=40,steps=10", "--task-timeout", "0.3",
            "--checkpoint-dir", dir.File("checkpoints"), "--checkpoint-every", "20", "--model-out", dir.File("faulty.json")]);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("fault plan: faults[2] step 70: crash the parameter server", run.Output);
        Assert.Contains("faults[0] step 15: kill worker 1, restart it after 10 steps: took effect 2 times", run.Output);
        Assert.Contains("1 server restarts, resumed from the checkpoint of step 60", run.Output);
        Assert.Contains("1 gradients refused", run.Output);
        Assert.Contains("exactly once in each of 3 epochs", run.Output);
        Assert.Equal(CleanModel(dir), File.ReadAllBytes(dir.File("faulty.json")));
    }

    [Fact]
    public void Resume_continues_an_interrupted_run_to_the_same_bytes()
    {
        using var dir = new TempDir();
        var interrupted = CliRunner.Run(["train", .. Job[..2], "--epochs", "2", "--hidden", "16", "--checkpoint-dir", dir.File("ck"), "--checkpoint-every", "30"]);
        Assert.True(interrupted.ExitCode == 0, interrupted.Error);
        var resumed = CliRunner.Run(["train", "--workers", "1", "--epochs", "3", "--hidden", "16", "--resume", dir.File("ck"), "--model-out", dir.File("resumed.json")]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Matches(@"resumed from .*checkpoint-0000000060\.dnck", resumed.Output);
        Assert.Equal(CleanModel(dir), File.ReadAllBytes(dir.File("resumed.json")));
    }

    [Theory]
    [InlineData("--fault", "kill-worker:worker=7,step=3", "worker 7")]
    [InlineData("--fault", "slow-worker:worker=0", "step")]
    [InlineData("--faults", "missing-plan.json", "missing-plan.json")]
    [InlineData("--resume", "no-such-directory", "--resume no-such-directory: no such directory")]
    [InlineData("--checkpoint-every", "0", "--checkpoint-every must be at least 1")]
    public void Bad_fault_and_checkpoint_options_give_one_line_and_exit_2(string option, string value, string expected)
    {
        var run = CliRunner.Run(["train", .. Job, option, value]);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.ErrorLines);
        Assert.Contains(expected, run.Error);
    }

    [Fact]
    public void A_checkpoint_directory_with_checkpoints_is_not_overwritten_by_a_fresh_run()
    {
        using var dir = new TempDir();
        Assert.Equal(0, CliRunner.Run(["train", "--epochs", "1", "--hidden", "16", "--checkpoint-dir", dir.File("ck"), "--checkpoint-every", "10"]).ExitCode);
        var again = CliRunner.Run(["train", .. Job, "--checkpoint-dir", dir.File("ck")]);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already holds checkpoints", again.Error);
        var async = CliRunner.Run(["train", .. Job, "--mode", "async", "--checkpoint-dir", dir.File("other")]);
        Assert.Equal(2, async.ExitCode);
        Assert.Contains("need --mode sync", async.Error);
    }

    [Fact]
    public void Worker_side_faults_are_refused_on_a_cluster_ps()
    {
        var run = CliRunner.Run("node", "--role", "ps", "--port", "0", "--fault", "slow-worker:worker=0,step=1,delay-ms=5");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("acts inside a worker", run.Error);
    }
}

public class ExperimentCommandTests
{
    [Fact]
    public void An_experiment_writes_a_report_that_reads_back_with_both_runs_and_every_fault_detected()
    {
        using var dir = new TempDir();
        var plan = dir.Write("plan.json", """
            { "faults": [
                { "kind": "kill-worker", "worker": 1, "step": 20 },
                { "kind": "corrupt-gradient", "worker": 0, "step": 35, "value": "huge" },
                { "kind": "crash-server", "step": 70 } ] }
            """);
        var run = CliRunner.Run("experiment", plan, "--epochs", "3", "--hidden", "16", "--checkpoint-every", "25", "--out", dir.File("report"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("final models identical: yes", run.Output);

        var result = DistNet.Cli.Experiment.ExperimentReport.ReadJson(dir.File("report/report.json"));
        Assert.True(result.ModelsIdentical);
        Assert.Equal(result.Baseline.ModelHash, result.Faulty.ModelHash);
        Assert.Equal(0, result.Baseline.Counters["server restarts"]);
        Assert.Equal(1, result.Faulty.Counters["server restarts"]);
        Assert.Equal(1, result.Faulty.Counters["gradients refused"]);
        Assert.Equal(1, result.Faulty.Counters["workers lost"]);
        Assert.Equal(69 - 50, result.Faulty.StepsRedone); // the crash at step 70 resumes from the checkpoint of step 50
        Assert.Equal(3, result.Faults.Count);
        Assert.All(result.Faults, f => Assert.NotNull(f.Detected));
        Assert.True(result.Faulty.Steps.Count > result.Baseline.Steps.Count);
        Assert.Contains("**Final models identical: yes**", File.ReadAllText(dir.File("report/report.md")));
        Assert.True(new FileInfo(dir.File("report/loss.png")).Length > 10_000);
    }
}
