namespace DistNet.Training.Faults;

/// <summary>How a field's value was written: a JSON number, a JSON string, other JSON, or untyped <c>--fault</c> text.</summary>
internal enum FieldSyntax { Number, String, OtherJson, Text }

/// <summary>One field of a fault as written, before it is checked; <paramref name="Line"/> is 1-based, when known.</summary>
internal sealed record FaultField(string Name, string Value, FieldSyntax Syntax, int? Line);

/// <summary>
/// A fault as written in a plan file or a <c>--fault</c> option: its fields in order, not yet
/// checked. Both syntaxes end here, so <see cref="FaultPlanParser.Build"/> is the only validation.
/// </summary>
/// <param name="Source">The file name, or "--fault KIND:…" for an option; starts every error message.</param>
/// <param name="Index">The fault's 0-based index in the plan.</param>
/// <param name="Line">The 1-based line the fault's object starts at, when known.</param>
internal sealed record FaultSpec(string Source, int Index, int? Line, IReadOnlyList<FaultField> Fields)
{
    /// <summary>An error about this fault (or one of its fields, whose line is then preferred).</summary>
    public FaultPlanException Error(string problem, FaultField? field = null)
    {
        int? line = field?.Line ?? Line;
        string kind = Fields.FirstOrDefault(f => f.Name == "kind")?.Value is { Length: > 0 } k ? $" ({k})" : "";
        string where = line is int l ? $"{Source}:{l}" : Source;
        return new FaultPlanException($"{where}: faults[{Index}]{kind}: {problem}");
    }
}
