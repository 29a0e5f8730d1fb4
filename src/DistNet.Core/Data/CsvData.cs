namespace DistNet.Core.Data;

/// <summary>
/// A comma-separated file with a header row: numeric feature columns and one label column.
/// Errors name the file and the 1-based line (the header is line 1), which is what an editor shows.
/// </summary>
public static class CsvData
{
    /// <param name="labelColumn">A header name, or a 0-based column index; null means the last column.</param>
    public static Dataset Load(string path, string? labelColumn = null)
    {
        if (!File.Exists(path))
            throw new DataException($"{path}: file not found, expected a CSV file with a header row");

        var fields = new List<string>();
        string[]? header = null;
        int labelIndex = -1;
        var features = new List<float>();
        var labels = new List<string>();
        var lineOfSample = new List<int>();
        int lineNumber = 0;
        // ReadLines accepts \n and \r\n alike and skips a UTF-8 byte order mark.
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            // Blank lines carry no row; editors leave one at the end of most files.
            if (string.IsNullOrWhiteSpace(line)) continue;
            string location = $"{path}, line {lineNumber}";
            CsvFields.Split(line, fields, location);
            if (header is null)
            {
                if (fields.Count < 2)
                    throw new DataException(
                        $"{location}: expected a header row with at least 2 columns (features and a label), found {fields.Count}");
                header = fields.ToArray();
                labelIndex = ResolveLabelColumn(header, labelColumn, location);
                continue;
            }
            if (fields.Count != header.Length)
                throw new DataException($"{location}: expected {header.Length} fields as in the header, found {fields.Count}");
            for (int j = 0; j < fields.Count; j++)
            {
                if (j == labelIndex) continue;
                if (!CsvLabels.TryParse(fields[j], out double value))
                    throw new DataException($"{location}, column '{header[j]}': expected a number, found '{fields[j]}'");
                features.Add((float)value);
            }
            labels.Add(fields[labelIndex]);
            lineOfSample.Add(lineNumber);
        }

        if (header is null)
            throw new DataException($"{path}: file is empty, expected a header row and data rows");
        if (labels.Count == 0)
            throw new DataException($"{path}: has a header but no data rows, expected at least one row after the header");

        var featureNames = header.Where((_, j) => j != labelIndex).ToArray();
        string labelName = header[labelIndex];
        var data = CsvLabels.Build(Path.GetFileName(path), featureNames.Length, features.ToArray(), labels,
            s => $"{path}, line {lineOfSample[s]}, column '{labelName}'");
        DataValidation.RequireFinite(data,
            (s, j) => $"{path}, line {lineOfSample[s]}, column '{featureNames[j]}'",
            s => $"{path}, line {lineOfSample[s]}, column '{labelName}'");
        return data;
    }

    /// <summary>A name wins over an index, so a column called "3" is found by name.</summary>
    private static int ResolveLabelColumn(string[] header, string? labelColumn, string location)
    {
        if (labelColumn is null) return header.Length - 1;
        int byName = Array.IndexOf(header, labelColumn);
        if (byName >= 0) return byName;
        if (int.TryParse(labelColumn, out int index) && index >= 0 && index < header.Length) return index;
        throw new DataException(
            $"{location}: unknown label column '{labelColumn}', expected a column name ({Names(header)}) or an index 0..{header.Length - 1}");
    }

    // Wide files (784 pixel columns) would bury the message under the list.
    private static string Names(string[] header) =>
        header.Length <= 12 ? string.Join(", ", header) : string.Join(", ", header.Take(10)) + $", … {header.Length - 10} more";
}
