using System.CommandLine;
using DistNet.Cli.Commands;
using DistNet.Core.Data;
using DistNet.Core.Models;
using DistNet.Core.Training;

namespace DistNet.Cli;

/// <summary>
/// The `distnet` command. Runs against given writers so tests can drive it in process; every
/// user mistake ends as one line on the error writer and exit code 2, never a stack trace.
/// </summary>
public static class CliApp
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("DistNet: train multilayer perceptrons with backprop, on one machine or across an actor cluster.")
        {
            TrainCommand.Create(output),
            EvalCommand.Create(output),
            PredictCommand.Create(output),
            GradcheckCommand.Create(output),
            NodeCommand.Create(output),
            SweepCommand.Create(output),
            BoundaryCommand.Create(output),
            PlotCommand.Create(output),
            ExperimentCommand.Create(output),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // The first error is the cause; later ones are usually its echoes (a stray value
            // after an unknown option), and "command not provided" is noise beside a typo.
            var cause = parsed.Errors.FirstOrDefault(e => !e.Message.StartsWith("Required command", StringComparison.Ordinal))
                ?? parsed.Errors[0];
            error.WriteLine($"distnet: {cause.Message}");
            var command = parsed.CommandResult.Command;
            error.WriteLine($"Try 'distnet {(command == root ? "" : command.Name + " ")}--help'.");
            return ExitCodes.BadInput;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"distnet: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (TrainingDivergedException e)
        {
            error.WriteLine($"distnet: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("DISTNET_DEBUG") is null)
        {
            error.WriteLine($"distnet: internal error: {e.GetType().Name}: {e.Message} (set DISTNET_DEBUG=1 for the stack trace)");
            return ExitCodes.Failure;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is UsageException or DataException or ModelFileException or FileNotFoundException or DirectoryNotFoundException
            or UnauthorizedAccessException or DistNet.Cluster.Channel.ChannelException; // e.g. --vector-port already taken
}
