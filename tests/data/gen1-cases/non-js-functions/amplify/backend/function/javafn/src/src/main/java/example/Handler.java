package example;

public class Handler {
  public String handleRequest(Object event) { return "from java"; }
}
