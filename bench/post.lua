-- wrk script: post a comment the way htmx sends the form, every text unique.
--
--   wrk ... -s bench/post.lua http://127.0.0.1:PORT/artikel/<slug>/kommentare -- <token> <tag>
--
-- <token> is the csrf_token of the article page's form (signed, not tied to a session);
-- <tag> names the run, so that texts are unique across runs too (no duplicate check can
-- refuse them) and the runner can count exactly what this run stored.
-- At the end, done() prints "SENT <requests>" (every request wrk began to send, answered
-- or not) and one line "STATUS <code> <responses>" per status code seen.

local threads = {}

function setup(thread)
   thread:set("thread_id", #threads + 1)
   table.insert(threads, thread)
end

local function urlencode(value)
   return (value:gsub("[^%w%-._~]", function(char)
      return string.format("%%%02X", string.byte(char))
   end))
end

function init(args)
   token = args[1] or ""
   tag = args[2] or "lasttest"
   counter = 0
   statuses = {}
   wrk.method = "POST"
   wrk.headers["HX-Request"] = "true"
   wrk.headers["X-Form-Token"] = token
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
   counter = counter + 1
   local text = string.format(
      "Lasttest %s, Thread %d, Kommentar %d: Ich finde den Beschluss grundsätzlich richtig, "
         .. "aber die Umsetzung müsste schneller gehen. Wer trägt die laufenden Kosten?",
      tag, thread_id, counter)
   local body = "name=" .. urlencode("Lara Lasttest")
      .. "&email=" .. urlencode("lasttest@example.org")
      .. "&text=" .. urlencode(text)
      .. "&csrf_token=" .. urlencode(token)
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local total, sent = {}, 0
   for _, thread in ipairs(threads) do
      sent = sent + thread:get("counter")
      for status, count in pairs(thread:get("statuses")) do
         total[status] = (total[status] or 0) + count
      end
   end
   -- Before any thread starts, wrk calls request() once in the first thread to check what
   -- it returns; that request is never sent.
   io.write(string.format("SENT %d\n", sent - 1))
   for status, count in pairs(total) do
      io.write(string.format("STATUS %d %d\n", status, count))
   end
end
