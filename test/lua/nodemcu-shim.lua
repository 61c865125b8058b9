-- A stand-in for the NodeMCU globals MoteDB's adapter uses (file, node, tmr, rtctime), on a stock
-- Lua interpreter, for the tests. Files are real files (io); time is virtual: it moves only when a
-- test calls shim.advance(seconds) or shim.run(), which fire the tmr alarms that fall due in order.
-- Returns the `shim` table with those controls.

local shim = { heap = 40000, ms = 0, timers = {}, nextId = 0, fired = 0 }

-- file: the object API (file.open returns a file object), with NodeMCU's limit of 1024 bytes a read.
local FILE_READ_CHUNK = 1024
local modes = { r = "rb", w = "wb", a = "ab", ["r+"] = "r+b", ["w+"] = "w+b", ["a+"] = "a+b" }
local FileObj = {}
FileObj.__index = FileObj
function FileObj:seek(whence, offset)
  return self.h:seek(whence or "cur", offset or 0)
end
function FileObj:read(n)
  if n == nil or n > FILE_READ_CHUNK then n = FILE_READ_CHUNK end
  return self.h:read(n)
end
function FileObj:write(s)
  local ok = self.h:write(s)
  return ok ~= nil
end
function FileObj:flush() self.h:flush() end
function FileObj:close() self.h:close() end

file = {
  exists = function(name)
    local h = io.open(name, "rb")
    if h then h:close() return true end
    return false
  end,
  open = function(name, mode)
    local h = io.open(name, modes[mode or "r"])
    if not h then return nil end
    return setmetatable({ h = h }, FileObj)
  end,
  remove = function(name) os.remove(name) end,
}

node = { heap = function() return shim.heap end }

rtctime = {
  get = function() return math.floor(shim.ms / 1000), (shim.ms % 1000) * 1000, 0 end,
  set = function(s) shim.ms = s * 1000 end,
}

-- tmr: the object API. An alarm fires every `ms` of virtual time (ALARM_AUTO) or once (ALARM_SINGLE).
local Timer = {}
Timer.__index = Timer
function Timer:alarm(ms, mode, fn)
  self.ms, self.mode, self.fn, self.due = ms, mode, fn, shim.ms + ms
  shim.timers[self.id] = self
  return true
end
function Timer:unregister() shim.timers[self.id] = nil end
tmr = {
  ALARM_SINGLE = 0, ALARM_AUTO = 1, ALARM_SEMI = 2,
  create = function()
    shim.nextId = shim.nextId + 1
    return setmetatable({ id = shim.nextId }, Timer)
  end,
  time = function() return math.floor(shim.ms / 1000) end,
}

-- The alarm due first (by time, then by creation), or nil.
local function nextDue(limit)
  local best = nil
  for _, t in pairs(shim.timers) do
    if t.due <= limit and (best == nil or t.due < best.due or (t.due == best.due and t.id < best.id)) then best = t end
  end
  return best
end

-- Move virtual time forward by `seconds`, firing every alarm that falls due, in order.
function shim.advance(seconds)
  local limit = shim.ms + math.floor(seconds * 1000 + 0.5)
  local t = nextDue(limit)
  while t ~= nil do
    shim.ms = t.due
    if t.mode == tmr.ALARM_AUTO then t.due = t.due + t.ms else shim.timers[t.id] = nil end
    shim.fired = shim.fired + 1
    t.fn(t)
    t = nextDue(limit)
  end
  shim.ms = limit
end

-- How many alarms are registered.
function shim.pending()
  local n = 0
  for _ in pairs(shim.timers) do n = n + 1 end
  return n
end

-- Fire alarms in time order until none is left (like NodeMCU's event loop going idle), at most `cap` seconds ahead.
function shim.run(cap)
  local limit = shim.ms + (cap or 86400) * 1000
  local t = nextDue(limit)
  while t ~= nil do
    shim.advance((t.due - shim.ms) / 1000)
    t = nextDue(limit)
  end
end

return shim
