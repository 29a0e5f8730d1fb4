namespace DistNet.Cli;

public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The run itself failed: a check did not pass, training diverged, an internal error.</summary>
    public const int Failure = 1;
    /// <summary>The user's input is wrong: an unknown option, a bad value, a missing or malformed file.</summary>
    public const int BadInput = 2;
}

/// <summary>A mistake in what the user asked for; reported as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message)
{
    /// <summary>A library's refusal of a value, said to the user without .NET's " (Parameter 'x')" suffix.</summary>
    public static UsageException From(ArgumentException e) =>
        new(e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message);
}
