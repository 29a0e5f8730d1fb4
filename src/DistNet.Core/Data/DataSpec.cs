namespace DistNet.Core.Data;

public enum DataKind { Digits, Idx, Csv, Xor, Circles, Moons, Spirals }

/// <summary>
/// Which data a run uses, as written on the command line: <c>digits</c> (the default),
/// <c>idx:DIR</c>, <c>csv:FILE</c>, <c>xor</c>, <c>circles</c>, <c>moons</c> or <c>spirals</c>.
/// <see cref="Path"/> is set for idx and csv only. <see cref="ToString"/> gives the spec back.
/// </summary>
public sealed record DataSpec(DataKind Kind, string? Path = null)
{
    private const string Expected = "expected digits, idx:DIR, csv:FILE, xor, circles, moons or spirals";

    public static DataSpec Default { get; } = new(DataKind.Digits);

    /// <summary>IDX ships its own test set; other data sets have their test rows split off.</summary>
    public bool HasOwnTestSet => Kind == DataKind.Idx;

    public static DataSpec Parse(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return Default;
        string text = spec.Trim();
        int colon = text.IndexOf(':');
        if (colon > 0)
        {
            // Only the prefix is case-insensitive: the path is passed on exactly as written.
            string prefix = text[..colon].ToLowerInvariant(), path = text[(colon + 1)..];
            if (prefix is "idx" or "csv")
            {
                if (path.Length == 0)
                    throw new DataException($"data set '{text}' names no {(prefix == "idx" ? "directory" : "file")}, expected {prefix}:{(prefix == "idx" ? "DIR" : "FILE")}");
                return new DataSpec(prefix == "idx" ? DataKind.Idx : DataKind.Csv, path);
            }
        }
        return text.ToLowerInvariant() switch
        {
            "digits" => new DataSpec(DataKind.Digits),
            "xor" => new DataSpec(DataKind.Xor),
            "circles" => new DataSpec(DataKind.Circles),
            "moons" => new DataSpec(DataKind.Moons),
            "spirals" => new DataSpec(DataKind.Spirals),
            _ => throw new DataException($"unknown data set '{text}': {Expected}"),
        };
    }

    public override string ToString() => Kind switch
    {
        DataKind.Idx => "idx:" + Path,
        DataKind.Csv => "csv:" + Path,
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
