using System.CommandLine;
using DistNet.Core.Nn;

namespace DistNet.Cli.Commands;

public static class GradcheckCommand
{
    public const double Tolerance = 1e-3;

    public static Command Create(TextWriter output)
    {
        var activation = CommonOptions.Activation();
        var loss = CommonOptions.Loss();
        var hidden = new Option<string>("--hidden") { Description = "Hidden layer sizes of the small network", DefaultValueFactory = _ => "4,3" };
        var inputs = new Option<int>("--inputs") { Description = "Input features", DefaultValueFactory = _ => 5 };
        var outputs = new Option<int>("--outputs") { Description = "Output units", DefaultValueFactory = _ => 3 };
        var l1 = CommonOptions.L1();
        var l2 = CommonOptions.L2();
        var noBias = CommonOptions.NoBias();
        var seed = CommonOptions.Seed();
        var command = new Command("gradcheck", $"Compare backprop with finite differences on a small random network; fails above relative error {Tolerance}")
        {
            activation, loss, hidden, inputs, outputs, l1, l2, noBias, seed,
        };
        command.SetAction(parse =>
        {
            CommonOptions.Require(parse.GetValue(inputs) > 0 && parse.GetValue(outputs) > 0, "--inputs and --outputs must be positive");
            var architecture = Architecture.Create(parse.GetValue(inputs), CommonOptions.ParseHidden(parse.GetValue(hidden)!),
                CommonOptions.ParseActivation(parse.GetValue(activation)!), parse.GetValue(outputs),
                CommonOptions.ParseLoss(parse.GetValue(loss)!), !parse.GetValue(noBias));
            var result = GradientCheck.Run(architecture, new Penalty(parse.GetValue(l1), parse.GetValue(l2)), parse.GetValue(seed));
            bool ok = result.WorstRelativeError < Tolerance;
            output.WriteLine($"{architecture}: {result.Parameters} parameters");
            output.WriteLine($"worst relative error {result.WorstRelativeError:E2} at parameter {result.WorstParameter} " +
                $"(backprop {result.Analytic:G6}, finite difference {result.Numeric:G6}): {(ok ? "ok" : "FAILED")}");
            return ok ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }
}
