using DistNet.Training.Faults;

namespace DistNet.Training.Tests.Faults;

public class FaultPlanTests
{
    private static FaultTime Step(int s) => FaultTime.Step(s);

    /// <summary>Each kind with its fields: the JSON object, the same as a --fault option, the record both must give.</summary>
    public static TheoryData<string, string, Fault> EveryKind => new()
    {
        { """{"kind":"kill-worker","worker":1,"step":30,"restart-after":10}""", "kill-worker:worker=1,step=30,restart-after=10", new KillWorker(Step(30), 1, 10) },
        { """{"kind":"kill-worker","worker":0,"epoch":3}""", "kill-worker:worker=0,epoch=3", new KillWorker(FaultTime.Epoch(3), 0) },
        { """{"kind":"crash-server","step":40}""", "crash-server:step=40", new CrashServer(Step(40)) },
        { """{"kind":"slow-worker","worker":0,"epoch":2,"steps":50,"delay-ms":20}""", "slow-worker:worker=0,epoch=2,steps=50,delay-ms=20",
            new SlowWorker(FaultTime.Epoch(2), 0, new DelayDistribution.Fixed(20), 50) },
        { """{"kind":"slow-worker","worker":2,"step":1,"distribution":"uniform:5-50"}""", "slow-worker:worker=2,step=1,distribution=uniform:5-50",
            new SlowWorker(Step(1), 2, new DelayDistribution.Uniform(5, 50)) },
        { """{"kind":"slow-worker","worker":2,"step":1,"distribution":"exponential:12.5"}""", "slow-worker: worker=2, step=1, distribution=exponential:12.5",
            new SlowWorker(Step(1), 2, new DelayDistribution.Exponential(12.5)) },
        { """{"kind":"drop","message":"gradient","probability":0.1,"step":1,"steps":100}""", "drop:message=gradient,probability=0.1,step=1,steps=100",
            new DropMessages(Step(1), MessageKind.Gradient, 0.1, Steps: 100) },
        { """{"kind":"duplicate","message":"task","probability":1,"worker":2,"step":5}""", "duplicate:message=task,probability=1,worker=2,step=5",
            new DuplicateMessages(Step(5), MessageKind.Task, 1.0, Worker: 2) },
        { """{"kind":"delay","message":"any","probability":0.5,"delay-ms":7,"step":3,"steps":4}""", "delay:message=any,probability=0.5,delay-ms=7,step=3,steps=4",
            new DelayMessages(Step(3), MessageKind.Any, 0.5, new DelayDistribution.Fixed(7), Steps: 4) },
        { """{"kind":"corrupt-gradient","worker":1,"step":12,"value":"nan"}""", "corrupt-gradient:worker=1,step=12,value=nan", new CorruptGradient(Step(12), 1, CorruptValue.NaN) },
        { """{"kind":"corrupt-gradient","worker":0,"step":2,"value":"inf"}""", "corrupt-gradient:worker=0,step=2,value=inf", new CorruptGradient(Step(2), 0, CorruptValue.Infinity) },
        { """{"kind":"corrupt-gradient","worker":0,"step":2,"value":"huge"}""", "corrupt-gradient:worker=0,step=2,value=huge", new CorruptGradient(Step(2), 0, CorruptValue.Huge) },
        { """{"kind":"partition","worker":1,"step":20,"steps":15}""", "partition:worker=1,step=20,steps=15", new Partition(Step(20), 1, 15) },
    };

    [Theory, MemberData(nameof(EveryKind))]
    public void Every_kind_parses_from_json_and_from_the_option_to_the_same_record(string json, string option, Fault expected)
    {
        var fromJson = FaultPlan.ParseJson($$"""{"faults":[{{json}}]}""");
        Assert.Equal(new FaultPlan([expected]), fromJson);
        Assert.Equal(expected, FaultPlan.ParseOption(option));
        Assert.Equal(expected, FaultPlan.ParseOption(expected.ToOption()));
    }

    [Fact]
    public void The_example_plan_parses_and_equals_the_same_faults_as_options()
    {
        var plan = FaultPlan.Load(ExamplePlanPath());
        Assert.Equal(7, plan.Seed);
        Assert.Equal(9, plan.Faults.Count);
        Assert.Equal(Enum.GetValues<FaultKind>().ToHashSet(), plan.Faults.Select(f => f.Kind).ToHashSet());
        Assert.Equal(plan, FaultPlan.ParseOptions(plan.Faults.Select(f => f.ToOption()), seed: 7));
        Assert.Equal(new KillWorker(Step(30), 1, 10), plan.Faults[0]);
    }

    [Fact]
    public void Describe_gives_one_line_per_fault()
    {
        var lines = FaultPlan.Load(ExamplePlanPath()).Describe();
        Assert.Equal(
        [
            "faults[0] step 30: kill worker 1, restart it after 10 steps",
            "faults[1] epoch 2: slow worker 0 by 20 ms per task for 50 steps",
            "faults[2] step 1: slow worker 2 by 15 ms on average (exponential) per task until the end",
            "faults[3] step 1: drop gradient messages with probability 0.1 for 100 steps",
            "faults[4] step 60: duplicate task messages of worker 0 with probability 0.05 for 20 steps",
            "faults[5] step 80: delay all messages with probability 0.2 by 5–50 ms (uniform) for 40 steps",
            "faults[6] step 12: corrupt worker 1's gradient with NaN",
            "faults[7] step 40: crash the parameter server",
            "faults[8] step 20: cut worker 1 off from the server for 15 steps",
        ], lines);
        Assert.All(lines, l => Assert.DoesNotContain('\n', l));
    }

    [Fact]
    public void Comments_trailing_commas_and_an_empty_list_are_accepted()
    {
        var plan = FaultPlan.ParseJson("""
            // a plan with nothing in it yet
            { "faults": [ ], }
            """);
        Assert.True(plan.IsEmpty);
        Assert.Null(plan.Seed);
    }

    public static TheoryData<string, string> BadJson => new()
    {
        // unknown kind, unknown field, missing required fields
        { """{"faults":[{"kind":"explode","step":1}]}""", """plan.json:1: faults[0]: unknown kind "explode"; kinds: kill-worker, crash-server, slow-worker, drop, duplicate, delay, corrupt-gradient, partition""" },
        { "{\"faults\":[\n{\"kind\":\"crash-server\",\"step\":1},\n{\"kind\":\"slow-worker\",\"worker\":0,\"step\":1,\n \"delay\":5}]}",
            """plan.json:4: faults[1] (slow-worker): unknown field "delay"; slow-worker takes step, epoch, worker, delay-ms, distribution, steps""" },
        { "{\"faults\":[\n {\"kind\":\"kill-worker\",\"step\":3}]}", """plan.json:2: faults[0] (kill-worker): missing "worker" (which worker (0-based))""" },
        { """{"faults":[{"worker":1,"step":3}]}""", """plan.json:1: faults[0]: missing "kind" (one of kill-worker, crash-server, slow-worker, drop, duplicate, delay, corrupt-gradient, partition)""" },
        { """{"faults":[{"kind":"crash-server"}]}""", """plan.json:1: faults[0] (crash-server): missing "step" (or "epoch"): when the fault fires""" },
        { """{"faults":[{"kind":"drop","probability":0.5,"step":1}]}""", """plan.json:1: faults[0] (drop): missing "message" (task, gradient or any)""" },
        { """{"faults":[{"kind":"delay","message":"task","probability":0.5,"step":1}]}""", """plan.json:1: faults[0] (delay): missing "delay-ms" (or "distribution": uniform:MIN-MAX or exponential:MEAN)""" },
        // bad values
        { """{"faults":[{"kind":"crash-server","step":-3}]}""", "plan.json:1: faults[0] (crash-server): step must be a whole number ≥ 1 (steps are 1-based), got -3" },
        { """{"faults":[{"kind":"crash-server","step":0}]}""", "plan.json:1: faults[0] (crash-server): step must be a whole number ≥ 1 (steps are 1-based), got 0" },
        { """{"faults":[{"kind":"partition","worker":0,"step":2,"steps":-1}]}""", "plan.json:1: faults[0] (partition): steps must be a whole number ≥ 1, got -1" },
        { """{"faults":[{"kind":"kill-worker","worker":-1,"step":2}]}""", "plan.json:1: faults[0] (kill-worker): worker must be a whole number ≥ 0 (worker ids are 0-based), got -1" },
        { """{"faults":[{"kind":"kill-worker","worker":0,"step":2,"restart-after":0}]}""", "plan.json:1: faults[0] (kill-worker): restart-after must be a whole number ≥ 1, got 0" },
        { """{"faults":[{"kind":"crash-server","step":"30"}]}""", """plan.json:1: faults[0] (crash-server): step must be a whole number ≥ 1 (steps are 1-based), got "30" """.TrimEnd() },
        { """{"faults":[{"kind":"crash-server","epoch":1.5}]}""", "plan.json:1: faults[0] (crash-server): epoch must be a whole number ≥ 1 (epochs are 1-based), got 1.5" },
        { """{"faults":[{"kind":"drop","message":"gradient","probability":1.5,"step":1}]}""", "plan.json:1: faults[0] (drop): probability must be a number from 0 to 1, got 1.5" },
        { """{"faults":[{"kind":"drop","message":"gradient","probability":-0.1,"step":1}]}""", "plan.json:1: faults[0] (drop): probability must be a number from 0 to 1, got -0.1" },
        { """{"faults":[{"kind":"drop","message":"weights","probability":0.1,"step":1}]}""", """plan.json:1: faults[0] (drop): message must be task, gradient or any, got "weights" """.TrimEnd() },
        { """{"faults":[{"kind":"corrupt-gradient","worker":0,"step":1,"value":"zero"}]}""", """plan.json:1: faults[0] (corrupt-gradient): value must be nan, inf or huge, got "zero" """.TrimEnd() },
        { """{"faults":[{"kind":"slow-worker","worker":0,"step":1,"distribution":"uniform:50-5"}]}""",
            """plan.json:1: faults[0] (slow-worker): distribution must be fixed:MS, uniform:MIN-MAX or exponential:MEAN (milliseconds), with MIN ≤ MAX and MEAN > 0, got "uniform:50-5" """.TrimEnd() },
        { """{"faults":[{"kind":"slow-worker","worker":0,"step":1,"delay-ms":-5}]}""", "plan.json:1: faults[0] (slow-worker): delay-ms must be a number of milliseconds ≥ 0, got -5" },
        // contradictions and repeats
        { "{\"faults\":[{\"kind\":\"crash-server\",\n\"step\":3,\n\"epoch\":1}]}", "plan.json:3: faults[0] (crash-server): give step or epoch, not both" },
        { """{"faults":[{"kind":"slow-worker","worker":0,"step":1,"delay-ms":5,"distribution":"fixed:5"}]}""", "plan.json:1: faults[0] (slow-worker): give delay-ms or distribution, not both" },
        { """{"faults":[{"kind":"crash-server","step":3,"step":4}]}""", """plan.json:1: faults[0] (crash-server): "step" is given twice""" },
        // the plan itself
        { """{"seed":7,"fault":[]}""", """plan.json:1: unknown field "fault"; a plan has "seed" (optional) and "faults" """.TrimEnd() },
        { """{"seed":7}""", """plan.json:1: missing "faults": [ … ] (it may be empty)""" },
        { """{"seed":"x","faults":[]}""", "plan.json:1: seed must be a whole number, got x" },
        { """[{"kind":"crash-server","step":1}]""", """plan.json:1: a fault plan is a JSON object: {"seed": 7, "faults": [ … ]}""" },
        { """{"faults":[42]}""", """plan.json:1: faults[0]: a fault is an object {"kind": …}, got 42""" },
        { "{\"faults\":[\n{\"kind\":\"crash-server\" \"step\":1}]}", "plan.json:2:24: not valid JSON: '\"' is invalid after a value. Expected either ',', '}', or ']'" },
    };

    [Theory, MemberData(nameof(BadJson))]
    public void Bad_json_gives_one_line_naming_file_line_fault_and_problem(string json, string expected)
    {
        var e = Assert.Throws<FaultPlanException>(() => FaultPlan.ParseJson(json, "plan.json"));
        Assert.Equal(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    public static TheoryData<string, string> BadOptions => new()
    {
        { "explode:step=1", """--fault "explode:step=1": faults[0]: unknown kind "explode"; kinds: kill-worker, crash-server, slow-worker, drop, duplicate, delay, corrupt-gradient, partition""" },
        { "kill-worker:worker=1,step=30,restart=10", """--fault "kill-worker:worker=1,step=30,restart=10": faults[0] (kill-worker): unknown field "restart"; kill-worker takes step, epoch, worker, restart-after""" },
        { "kill-worker:step=30", """--fault "kill-worker:step=30": faults[0] (kill-worker): missing "worker" (which worker (0-based))""" },
        { "crash-server", """--fault "crash-server": faults[0] (crash-server): missing "step" (or "epoch"): when the fault fires""" },
        { "crash-server:step=-2", """--fault "crash-server:step=-2": faults[0] (crash-server): step must be a whole number ≥ 1 (steps are 1-based), got -2""" },
        { "crash-server:step=two", """--fault "crash-server:step=two": faults[0] (crash-server): step must be a whole number ≥ 1 (steps are 1-based), got two""" },
        { "drop:message=any,probability=2,step=1", """--fault "drop:message=any,probability=2,step=1": faults[0] (drop): probability must be a number from 0 to 1, got 2""" },
        { "partition:worker=1,step=2,epoch=1", """--fault "partition:worker=1,step=2,epoch=1": faults[0] (partition): give step or epoch, not both""" },
        { "partition:worker=1,step", """--fault "partition:worker=1,step": faults[0] (partition): expected FIELD=VALUE, got "step" """.TrimEnd() },
        { "", """--fault "": faults[0]: empty; expected KIND:FIELD=VALUE,… e.g. kill-worker:worker=1,step=30""" },
    };

    [Theory, MemberData(nameof(BadOptions))]
    public void Bad_options_give_the_same_one_line_messages(string option, string expected)
    {
        var e = Assert.Throws<FaultPlanException>(() => FaultPlan.ParseOption(option));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void Options_are_numbered_after_the_plan_they_extend()
    {
        var e = Assert.Throws<FaultPlanException>(() => FaultPlan.ParseOptions(["crash-server:step=1", "crash-server:step=0"], firstIndex: 9));
        Assert.StartsWith("""--fault "crash-server:step=0": faults[10] (crash-server):""", e.Message);
        var plan = FaultPlan.ParseJson("""{"seed":3,"faults":[{"kind":"crash-server","step":1}]}""")
            .Concat(FaultPlan.ParseOptions(["partition:worker=0,step=2"], seed: 99));
        Assert.Equal(new FaultPlan([new CrashServer(Step(1)), new Partition(Step(2), 0)], 3), plan);
    }

    [Fact]
    public void A_missing_file_is_one_line_naming_it()
    {
        var e = Assert.Throws<FaultPlanException>(() => FaultPlan.Load("/nonexistent/plan.json"));
        Assert.Equal("/nonexistent/plan.json: no such fault plan file", e.Message);
    }

    [Fact]
    public void Workers_that_do_not_exist_are_refused()
    {
        var plan = FaultPlan.ParseOptions(["crash-server:step=1", "partition:worker=2,step=1"]);
        plan.CheckWorkers(3);
        var e = Assert.Throws<FaultPlanException>(() => plan.CheckWorkers(2, "plan.json"));
        Assert.Equal("plan.json: faults[1] (partition): worker 2 does not exist; there are 2 workers, 0 to 1", e.Message);
    }

    [Theory]
    [InlineData(1, 10, 1)]
    [InlineData(2, 10, 11)]
    [InlineData(3, 50, 101)]
    [InlineData(1, 1, 1)]
    public void Epochs_resolve_to_their_first_step(int epoch, int stepsPerEpoch, int expected)
    {
        var fault = new CrashServer(FaultTime.Epoch(epoch));
        Assert.Equal(expected, fault.ResolveStep(stepsPerEpoch));
        Assert.Equal(epoch, fault.AtEpoch);
        Assert.Null(fault.AtStep);
        Assert.True(fault.FiresAt(expected, stepsPerEpoch));
    }

    [Fact]
    public void Steps_ignore_the_epoch_length_and_bad_times_are_refused()
    {
        var fault = new CrashServer(Step(7));
        Assert.Equal(7, fault.ResolveStep(100));
        Assert.Equal(7, fault.AtStep);
        Assert.Null(fault.AtEpoch);
        Assert.Throws<ArgumentOutOfRangeException>(() => FaultTime.Step(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaultTime.Epoch(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CrashServer(FaultTime.Epoch(2)).ResolveStep(0));
        Assert.Throws<InvalidOperationException>(() => new CrashServer(default).ResolveStep(10));
    }

    [Fact]
    public void Windows_cover_their_steps()
    {
        var partition = new Partition(FaultTime.Epoch(2), 1, Steps: 3);     // steps 11, 12, 13 with 10 per epoch
        Assert.Equal([11, 12, 13], Enumerable.Range(1, 30).Where(s => partition.IsActiveAt(s, 10)));
        var forever = new DropMessages(Step(5), MessageKind.Any, 0.5);
        Assert.False(forever.IsActiveAt(4, 10));
        Assert.True(forever.IsActiveAt(1_000_000, 10));
        var kill = new KillWorker(Step(30), 1, RestartAfter: 10);          // dead for steps 30–39, back at 40
        Assert.True(kill.IsActiveAt(39, 10));
        Assert.False(kill.IsActiveAt(40, 10));
        Assert.Equal([12], Enumerable.Range(1, 30).Where(s => new CorruptGradient(Step(12), 0, CorruptValue.Huge).IsActiveAt(s, 10)));

        var plan = new FaultPlan([partition, forever, kill]);
        Assert.Equal([0, 1], plan.ActiveAt(12, 10).Select(a => a.Index));
        Assert.Equal([1, 2], plan.ActiveAt(35, 10).Select(a => a.Index));
    }

    private static readonly FaultPlan Drops = FaultPlan.ParseOptions(
        ["drop:message=gradient,probability=0.3,step=1", "delay:message=task,probability=0.5,distribution=exponential:20,step=1"]);

    private static (bool[] Hits, double[] Delays) Decisions(FaultPlan plan) =>
        (Enumerable.Range(1, 200).SelectMany(step => Enumerable.Range(0, 3).Select(worker => plan.Hits(0, step, worker))).ToArray(),
         Enumerable.Range(1, 50).Select(step => ((DelayMessages)plan.Faults[1]).Delay.SampleMs(plan.Random(1, step))).ToArray());

    [Fact]
    public void Random_decisions_depend_only_on_seed_fault_step_and_key()
    {
        var (hits, delays) = Decisions(Drops with { Seed = 7 });
        var (again, delaysAgain) = Decisions(Drops.WithDefaultSeed(7));
        Assert.Equal(hits, again);
        Assert.Equal(delays, delaysAgain);

        // Asking in another order (as arrival order would) changes nothing.
        var plan = Drops with { Seed = 7 };
        var backwards = Enumerable.Range(1, 200).Reverse().SelectMany(step => Enumerable.Range(0, 3).Reverse().Select(w => (step, w, hit: plan.Hits(0, step, w))));
        Assert.All(backwards, d => Assert.Equal(hits[(d.step - 1) * 3 + d.w], d.hit));

        // Roughly the probability asked for, and delays are random, positive, around their mean.
        Assert.InRange(hits.Count(h => h) / 600.0, 0.22, 0.38);
        Assert.All(delays, d => Assert.True(d >= 0));
        Assert.True(delays.Distinct().Count() > 45);
    }

    [Fact]
    public void Another_seed_gives_other_decisions_and_the_plan_seed_beats_the_training_seed()
    {
        var (hits7, delays7) = Decisions(Drops with { Seed = 7 });
        var (hits8, delays8) = Decisions(Drops with { Seed = 8 });
        Assert.NotEqual(hits7, hits8);
        Assert.NotEqual(delays7, delays8);
        Assert.Equal(7, (Drops with { Seed = 7 }).WithDefaultSeed(8).Seed);
        // Faults draw from separate streams: the same step and key give different numbers for faults 0 and 1.
        var plan = Drops with { Seed = 7 };
        Assert.NotEqual(plan.Random(0, 5, 1).NextUInt64(), plan.Random(1, 5, 1).NextUInt64());
        Assert.NotEqual(plan.Random(0, 5, 1).NextUInt64(), plan.Random(0, 6, 1).NextUInt64());
        Assert.NotEqual(plan.Random(0, 5, 1).NextUInt64(), plan.Random(0, 5, 2).NextUInt64());
    }

    [Fact]
    public void Random_needs_a_seed_and_certain_probabilities_draw_nothing()
    {
        Assert.Throws<InvalidOperationException>(() => Drops.Random(0, 1));
        var sure = FaultPlan.ParseOptions(["drop:message=any,probability=1,step=1", "duplicate:message=any,probability=0,step=1"], seed: 1);
        Assert.All(Enumerable.Range(1, 100), s => Assert.True(sure.Hits(0, s)));
        Assert.All(Enumerable.Range(1, 100), s => Assert.False(sure.Hits(1, s)));
        Assert.Throws<ArgumentException>(() => FaultPlan.ParseOptions(["crash-server:step=1"], seed: 1).Hits(0, 1));
    }

    [Fact]
    public void Corrupt_values_are_nan_infinity_and_a_huge_finite_number()
    {
        Assert.True(float.IsNaN(new CorruptGradient(Step(1), 0, CorruptValue.NaN).Injected));
        Assert.Equal(float.PositiveInfinity, new CorruptGradient(Step(1), 0, CorruptValue.Infinity).Injected);
        float huge = new CorruptGradient(Step(1), 0, CorruptValue.Huge).Injected;
        Assert.True(float.IsFinite(huge) && huge >= 1e30f);
    }

    private static string ExamplePlanPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "deploy", "faults", "example-plan.json");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("deploy/faults/example-plan.json not found above " + AppContext.BaseDirectory);
    }
}
