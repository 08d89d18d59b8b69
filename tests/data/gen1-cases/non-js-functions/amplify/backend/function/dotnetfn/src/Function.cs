namespace dotnetfn;

public class Function {
  public string FunctionHandler(object input) => "from dotnet";
}
