using System.Text;

namespace DistNet.Core.Data;

/// <summary>
/// Splits one CSV line on commas. A field in double quotes may hold commas, and "" inside it
/// stands for one quote; that covers what spreadsheets write for names like "Smith, J.".
/// Quoted fields spanning lines are not supported: every record is one line.
/// </summary>
internal static class CsvFields
{
    /// <param name="location">"file, line N", for the error message.</param>
    public static void Split(string line, List<string> fields, string location)
    {
        fields.Clear();
        int i = 0;
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or '\t') i++;
            if (i < line.Length && line[i] == '"')
                i = ReadQuoted(line, i, fields, location);
            else
            {
                int comma = line.IndexOf(',', i);
                int end = comma < 0 ? line.Length : comma;
                fields.Add(line[i..end].Trim());
                i = end;
            }
            if (i >= line.Length) return;
            i++; // the comma
        }
    }

    /// <returns>The index just past the field, at a comma or the end of the line.</returns>
    private static int ReadQuoted(string line, int openingQuote, List<string> fields, string location)
    {
        var value = new StringBuilder();
        int i = openingQuote + 1;
        while (true)
        {
            if (i >= line.Length)
                throw new DataException($"{location}: field {fields.Count + 1} opens a quote that is never closed, expected a closing \"");
            if (line[i] == '"')
            {
                if (i + 1 < line.Length && line[i + 1] == '"') { value.Append('"'); i += 2; continue; }
                i++;
                break;
            }
            value.Append(line[i++]);
        }
        while (i < line.Length && line[i] is ' ' or '\t') i++;
        if (i < line.Length && line[i] != ',')
            throw new DataException($"{location}: field {fields.Count + 1} has text after its closing quote, expected a comma");
        fields.Add(value.ToString());
        return i;
    }
}
